import { describe, expect, it } from 'vitest';
import { isAllowed } from './roles.js';
import { parseRequest } from './schemas.js';

describe('parseRequest (ingress validation)', () => {
  it('accepts a well-formed request and keeps its id', () => {
    const parsed = parseRequest({
      v: 1,
      type: 'session.open',
      id: 4,
      device: { kind: 'serial', path: '/dev/ttyUSB0', baudRate: 115200, parity: 'none' },
      cols: 80,
      rows: 24,
    });
    expect(parsed).toMatchObject({ ok: true, request: { type: 'session.open', id: 4 } });
  });

  it('accepts notifications without an id', () => {
    expect(parseRequest({ v: 1, type: 'session.ack', sessionId: 's', chars: 10 }).ok).toBe(true);
  });

  it.each([
    [null, null, 'bad_request'],
    [[1, 2], null, 'bad_request'],
    [{ v: 1 }, null, 'bad_request'],
    [{ v: 2, type: 'hello', id: 3 }, 3, 'unsupported_version'],
    [{ v: 1, type: 'rm -rf', id: 5 }, 5, 'bad_request'],
    [{ v: 1, type: 'session.resize', id: 6, sessionId: 's', cols: 0, rows: 24 }, 6, 'bad_request'],
    [
      { v: 1, type: 'session.open', id: 7, device: { kind: 'telnet' }, cols: 80, rows: 24 },
      7,
      'bad_request',
    ],
    [{ v: 1, type: 'session.list', id: 8, extra: true }, 8, 'bad_request'],
    [{ v: 1, type: '__proto__', id: 9 }, 9, 'bad_request'],
  ])('refuses %j with %s', (value, id, code) => {
    const parsed = parseRequest(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.id).toBe(id);
      expect(parsed.error.code).toBe(code);
      expect(parsed.error.message.length).toBeGreaterThan(10);
    }
  });

  it('names the field that is wrong', () => {
    const parsed = parseRequest({ v: 1, type: 'session.input', id: 1, sessionId: 's', data: 5 });
    expect(parsed.ok ? '' : parsed.error.message).toContain('"data"');
  });
});

describe('role table', () => {
  it('lets owners do everything, co-workers type, viewers only watch', () => {
    expect(isAllowed('owner', 'session.close')).toBe(true);
    expect(isAllowed('coworker', 'session.input')).toBe(true);
    expect(isAllowed('coworker', 'session.close')).toBe(false);
    expect(isAllowed('viewer', 'session.input')).toBe(false);
    expect(isAllowed('viewer', 'session.resize')).toBe(false);
    expect(isAllowed('viewer', 'session.attach')).toBe(true);
    expect(isAllowed('viewer', 'agent.stop')).toBe(false);
  });
});

describe('call peer ids', () => {
  it('are tcall- and 16 to 64 characters PeerJS accepts', async () => {
    const { CALL_PEER_ID } = await import('./messages.js');
    for (const ok of ['tcall-0123456789abcdef0123456789abcdef', 'tcall-layout-1-0123456789abcdef'])
      expect(CALL_PEER_ID.test(ok)).toBe(true);
    for (const bad of [
      'tcall-short',
      'tcall-ends-with-dash-0123456789-',
      'tcall-double--dash-0123456789ab',
      'tcall-_leading0123456789abcdef',
      `tcall-${'a'.repeat(65)}`,
      'tandem-0123456789abcdef01234567',
      'tcall-has space 0123456789abcd',
    ])
      expect(CALL_PEER_ID.test(bad)).toBe(false);
  });
});
