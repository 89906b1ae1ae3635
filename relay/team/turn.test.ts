import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredentials } from './turn.js';

describe('TURN REST credentials', () => {
  const config = {
    urls: ['turn:127.0.0.1:3478'],
    secret: 'coturn-shared-secret-for-tests',
    ttlS: 43_200,
  };

  it('signs "<expiry>:<user>" with HMAC-SHA1 under the shared secret, as coturn checks', () => {
    // The expected password was computed with Python's hmac module, not this code.
    const now = (1_796_265_385 - 43_200) * 1000;
    expect(turnCredentials(config, 'guest-660ded77cd4e', now)).toEqual({
      urls: config.urls,
      username: '1796265385:guest-660ded77cd4e',
      credential: 'ZYzjwx+bLFcrGmzG3eXTHS0QEig=',
    });
  });

  it('adds them to the static servers, fresh each time', () => {
    const stun = { urls: 'stun:127.0.0.1:3478' };
    expect(iceServersFor([stun], undefined, 'm1')).toEqual([stun]);
    const [first, turn] = iceServersFor([stun], config, 'm1');
    expect(first).toEqual(stun);
    expect(turn?.username).toMatch(/^\d+:m1$/);
  });
});
