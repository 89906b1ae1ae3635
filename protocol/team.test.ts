import { describe, expect, it } from 'vitest';
import { parseEnrolmentLink } from './team.js';

describe('parseEnrolmentLink', () => {
  const token = 'TusOb5Q7Dm6jokGcI7oJ0FB7U9Rxq44enuKn5Qz4Whw';

  it('takes the relay address and the token from the fragment', () => {
    expect(parseEnrolmentLink(`https://relay.example.com/enrol#${token}`)).toEqual({
      relayUrl: 'https://relay.example.com',
      token,
    });
    expect(parseEnrolmentLink(` http://127.0.0.1:9443/tandem/enrol#${token}\n`)).toEqual({
      relayUrl: 'http://127.0.0.1:9443/tandem',
      token,
    });
  });

  it('refuses what is not an enrolment link', () => {
    for (const text of [
      `ftp://relay.example.com/enrol#${token}`,
      `https://relay.example.com/join#${token}`,
      'https://relay.example.com/enrol#short',
      `https://relay.example.com/enrol?x=1#${token}`,
      `javascript:alert(1)//enrol#${token}`,
      `https://relay.example.com/enrol#${token}<script>`,
      '',
    ])
      expect(parseEnrolmentLink(text), text).toBeUndefined();
  });
});
