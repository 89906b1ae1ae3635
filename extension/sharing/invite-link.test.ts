import { describe, expect, it } from 'vitest';
import { parseInviteLink } from './invite-link.js';

describe('parseInviteLink', () => {
  it('reads the relay, the agent peer, the invite and the secret', () => {
    const link = parseInviteLink('http://127.0.0.1:9443/join#tandem-abc123.inv_1.s3cr-et');
    expect(link).toEqual({
      peerId: 'tandem-abc123',
      inviteId: 'inv_1',
      secret: 's3cr-et',
      relay: { host: '127.0.0.1', port: 9443, secure: false },
      url: 'http://127.0.0.1:9443/join#tandem-abc123.inv_1.s3cr-et',
    });
  });

  it('defaults the port from the scheme and trims pasted whitespace', () => {
    expect(parseInviteLink('  https://relay.example.com/join#p.i.s \n')?.relay).toEqual({
      host: 'relay.example.com',
      port: 443,
      secure: true,
    });
  });

  it('refuses anything that is not a complete invite link', () => {
    for (const bad of [
      '',
      'not a url',
      'http://127.0.0.1:1/join',
      'http://127.0.0.1:1/join#a.b',
      'http://127.0.0.1:1/join#a.b.c.d',
      'http://127.0.0.1:1/other#a.b.c',
      'ftp://127.0.0.1/join#a.b.c',
      'http://127.0.0.1:1/join#a.b.c<script>',
    ]) {
      expect(parseInviteLink(bad)).toBeUndefined();
    }
  });
});
