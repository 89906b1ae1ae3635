import { describe, expect, it } from 'vitest';
import { InputGuard } from './input-guard.js';

const alice = { id: 'local:alice', name: 'alice' };

function guard(): { g: InputGuard; seen: [string, boolean][]; written: string[] } {
  const seen: [string, boolean][] = [];
  const written: string[] = [];
  const g = new InputGuard((_p, data, secret) => seen.push([data, secret]));
  return { g, seen, written };
}

describe('InputGuard without an echo flag (SSH, serial)', () => {
  it('withholds input typed after a password prompt that is not echoed', () => {
    const { g, seen, written } = guard();
    g.output('login: ');
    g.input(alice, 'admin\r', () => written.push('admin\r'));
    g.output('admin\r\nPassword: ');
    for (const key of ['s', '3', 'c', '\r']) g.input(alice, key, () => written.push(key));
    g.output('\r\nWelcome\r\n$ ');
    g.input(alice, 'ls\r', () => written.push('ls\r'));
    expect(written).toEqual(['admin\r', 's', '3', 'c', '\r', 'ls\r']);
    expect(seen).toEqual([
      ['admin\r', false],
      ['s', true],
      ['3', true],
      ['c', true],
      ['\r', true],
      ['ls\r', false],
    ]);
  });

  it('releases held input as ordinary once the device echoes it; masked echo stays secret', () => {
    const { g, seen } = guard();
    g.output("Enter passphrase for key 'id': ");
    g.input(alice, 'ab', () => {});
    g.output('ab');
    expect(seen).toEqual([['ab', false]]);
    g.output('\r\nPIN: ');
    g.input(alice, 'xy', () => {});
    g.output('**');
    g.input(alice, '\r', () => {});
    expect(seen.slice(1)).toEqual([
      ['xy', true],
      ['\r', true],
    ]);
  });
});

describe('InputGuard with a PTY echo flag', () => {
  it('is secret exactly when echo is off in canonical mode; raw mode uses the prompt rule', async () => {
    let flags = { echo: false, canonical: true };
    const seen: [string, boolean][] = [];
    const g = new InputGuard(
      (_p, data, secret) => seen.push([data, secret]),
      () => Promise.resolve(flags),
    );
    g.output('Password: ');
    g.input(alice, 'pw\r', () => {});
    await new Promise((r) => setTimeout(r, 50));
    flags = { echo: false, canonical: false };
    g.output('\x1b[?1049h~\r\n~');
    g.input(alice, 'i', () => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([
      ['pw\r', true],
      ['i', false],
    ]);
    g.dispose();
  });
});
