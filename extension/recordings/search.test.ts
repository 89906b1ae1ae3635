import { describe, expect, it } from 'vitest';
import { MAX_HITS, TextSearch, stripAnsi } from './search.js';

describe('stripAnsi', () => {
  it('removes escape sequences and control characters', () => {
    expect(stripAnsi('\x1b[1;32mgreen\x1b[0m plain\r\n')).toBe('green plain\n');
    expect(stripAnsi('\x1b]0;title\x07prompt$ \x1b[K')).toBe('prompt$ ');
    expect(stripAnsi('a\x1b(Bb\x07c')).toBe('abc');
  });
});

describe('TextSearch', () => {
  it('finds case-insensitive matches with the time of the event that completes them', () => {
    const s = new TextSearch('Error');
    s.feed(10, 'all good\r\n');
    s.feed(20, '\x1b[31mERROR\x1b[0m: disk full\r\n');
    expect(s.hits).toHaveLength(1);
    expect(s.hits[0]?.t).toBe(20);
    expect(s.hits[0]?.snippet).toMatch(/ERROR: disk full$/);
  });

  it('finds a match split across two output events or broken by colours', () => {
    const s = new TextSearch('flood-done');
    s.feed(10, 'echo flo');
    s.feed(15, 'od-done\r\n');
    s.feed(20, '\x1b[1mflood\x1b[0m-done');
    expect(s.hits.map((h) => h.t)).toEqual([15, 20]);
  });

  it('stops at MAX_HITS', () => {
    const s = new TextSearch('x');
    s.feed(1, 'x'.repeat(MAX_HITS + 50));
    expect(s.hits).toHaveLength(MAX_HITS);
    expect(s.full).toBe(true);
  });
});
