import { describe, expect, it } from 'vitest';
import { TandemError } from '../../../protocol/index.js';
import { connectError } from './connect-errors.js';

const context = {
  target: 'db1:22',
  host: 'db1',
  timeoutMs: 10_000,
  rejected: () => new TandemError('unauthorized', 'Authentication failed for admin@db1'),
};

function sshError(message: string, fields: { level?: string; code?: string }): Error {
  return Object.assign(new Error(message), fields);
}

describe('connectError', () => {
  it('maps name lookup failures to device_error about the host name', () => {
    const error = connectError(
      sshError('getaddrinfo ENOTFOUND db1', { level: 'client-dns', code: 'ENOTFOUND' }),
      context,
    );
    expect(error.code).toBe('device_error');
    expect(error.message).toMatch(/^Could not find the host db1 .* check the host name/);
  });

  it('maps refused and unreachable sockets to device_error that says what to check', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']) {
      const error = connectError(
        sshError(`connect ${code}`, { level: 'client-socket', code }),
        context,
      );
      expect(error.code).toBe('device_error');
      expect(error.message).toBe(
        `Could not reach db1:22 (${code}) — check the host name, port and that sshd is running`,
      );
    }
  });

  it('maps a handshake timeout to device_error', () => {
    const error = connectError(
      sshError('Timed out while waiting for handshake', { level: 'client-timeout' }),
      context,
    );
    expect(error.code).toBe('device_error');
    expect(error.message).toMatch(/^Could not reach db1:22 within 10 s/);
  });

  it('uses the auth plan for rejected sign-ins', () => {
    const error = connectError(
      sshError('All configured authentication methods failed', { level: 'client-authentication' }),
      context,
    );
    expect(error.code).toBe('unauthorized');
    expect(error.message).toBe('Authentication failed for admin@db1');
  });

  it('falls back to device_error with the cause for anything else', () => {
    const error = connectError(new Error('something odd'), context);
    expect(error.code).toBe('device_error');
    expect(error.message).toContain('something odd');
  });
});
