import { describe, expect, it } from 'vitest';
import { TandemError } from '../../protocol/index.js';
import { keysetPage, parseOffsets, slicePage } from './pages.js';

describe('slicePage', () => {
  it('stops at the entry limit or the byte budget, counting UTF-8, and always moves on', () => {
    const items = ['aa', 'éé', 'bb', 'cc'];
    expect(slicePage(items, 0, 2).page).toEqual(['aa', 'éé']);
    // "aa" is 4 bytes of JSON + 1; "éé" is 6 + 1: a budget of 10 holds only the first.
    expect(slicePage(items, 0, 10, 10)).toMatchObject({ page: ['aa'], end: 1 });
    expect(slicePage(items, 1, 10, 1)).toMatchObject({ page: ['éé'], end: 2 });
    expect(slicePage(items, 4, 10).page).toEqual([]);
  });
});

describe('keysetPage', () => {
  it('continues after the last key sent, even when entries come and go between pages', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const first = keysetPage(items, (x) => x, { limit: 2 });
    expect(first).toEqual({ page: ['a', 'b'], next: 'b' });
    // "b" was deleted and "bb" added before the next page was asked for.
    const changed = ['a', 'bb', 'c', 'd', 'e'];
    const second = keysetPage(changed, (x) => x, { cursor: first.next, limit: 2 });
    expect(second).toEqual({ page: ['bb', 'c'], next: 'c' });
    expect(keysetPage(changed, (x) => x, { cursor: 'c', limit: 2 })).toEqual({ page: ['d', 'e'] });
    const newestFirst = ['e', 'd', 'c'];
    expect(keysetPage(newestFirst, (x) => x, { cursor: 'd' }, 'descending')).toEqual({
      page: ['c'],
    });
  });
});

describe('parseOffsets', () => {
  it('reads a cursor it made, and refuses anything else with bad_request', () => {
    expect(parseOffsets(undefined, 3)).toEqual([0, 0, 0]);
    expect(parseOffsets('4.0.12', 3)).toEqual([4, 0, 12]);
    for (const bad of ['1.2', '1.x.3', '-1.0.0', '1.5.0.0', '']) {
      expect(() => parseOffsets(bad, 3)).toThrow(TandemError);
    }
  });
});
