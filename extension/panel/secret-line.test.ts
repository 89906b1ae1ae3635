import { describe, expect, it } from 'vitest';
import { SecretLine } from './secret-line.js';

describe('SecretLine (the lock: type a secret)', () => {
  it('passes input through untouched while off', () => {
    const lock = new SecretLine();
    expect(lock.take('ls -la\r')).toEqual([{ data: 'ls -la\r', secret: false }]);
    expect(lock.active).toBe(false);
  });

  it('marks every key up to and including Enter secret, then turns itself off', () => {
    let changes = 0;
    const lock = new SecretLine(() => (changes += 1));
    lock.toggle();
    expect(lock.active).toBe(true);
    const sent = [...'s3cr3t', '\r', 'l', 's'].flatMap((key) => lock.take(key));
    expect(sent).toEqual([
      ...[...'s3cr3t'].map((data) => ({ data, secret: true })),
      { data: '\r', secret: true },
      { data: 'l', secret: false },
      { data: 's', secret: false },
    ]);
    expect(lock.active).toBe(false);
    expect(changes).toBe(2);
  });

  it('covers one line of a paste and no more', () => {
    const lock = new SecretLine();
    lock.set(true);
    expect(lock.take('hunter2\r\nwhoami\r')).toEqual([
      { data: 'hunter2\r\n', secret: true },
      { data: 'whoami\r', secret: false },
    ]);
    expect(lock.active).toBe(false);
  });

  it('can be turned off by hand before Enter', () => {
    const lock = new SecretLine();
    lock.toggle();
    expect(lock.take('ab')).toEqual([{ data: 'ab', secret: true }]);
    lock.toggle();
    expect(lock.take('c\r')).toEqual([{ data: 'c\r', secret: false }]);
  });
});
