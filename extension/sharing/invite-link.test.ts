import { describe, expect, it } from 'vitest';
import { parseInviteLink } from './invite-link.js';

/** A key fingerprint: 43 base64url characters (SHA-256). */
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789_-ABCDE';

describe('parseInviteLink', () => {
  it('reads the relay, the agent peer, the invite, the secret and the key fingerprint', () => {
    const link = parseInviteLink(`http://127.0.0.1:9443/join#tandem-abc123.inv_1.s3cr-et.${KEY}`);
    expect(link).toEqual({
      peerId: 'tandem-abc123',
      inviteId: 'inv_1',
      secret: 's3cr-et',
      keyFingerprint: KEY,
      relay: { host: '127.0.0.1', port: 9443, secure: false },
      url: `http://127.0.0.1:9443/join#tandem-abc123.inv_1.s3cr-et.${KEY}`,
    });
  });

  it('defaults the port from the scheme and trims pasted whitespace', () => {
    expect(parseInviteLink(`  https://relay.example.com/join#p.i.s.${KEY} \n`)?.relay).toEqual({
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
      // Made by an agent that does not prove who it is: nothing could check whom it leads to.
      'http://127.0.0.1:1/join#a.b.c',
      'http://127.0.0.1:1/join#a.b.c.short',
      `http://127.0.0.1:1/join#a.b.c.${KEY}.e`,
      `http://127.0.0.1:1/other#a.b.c.${KEY}`,
      `ftp://127.0.0.1/join#a.b.c.${KEY}`,
      `http://127.0.0.1:1/join#a.b.c.${KEY}<script>`,
    ]) {
      expect(parseInviteLink(bad)).toBeUndefined();
    }
  });
});
