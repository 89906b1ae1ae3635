import { describe, expect, it } from 'vitest';
import { isWildcardPattern, matchPattern, matchPatternList } from './host-pattern.js';

describe('matchPattern', () => {
  it('supports * and ? and ignores case', () => {
    expect(matchPattern('db1.example.com', '*.example.com')).toBe(true);
    expect(matchPattern('DB1', 'db?')).toBe(true);
    expect(matchPattern('db10', 'db?')).toBe(false);
    expect(matchPattern('[db1]:2222', '[db1]:2222')).toBe(true);
    expect(matchPattern('dbx1', 'db.1')).toBe(false);
  });
});

describe('matchPatternList', () => {
  it('matches when a positive pattern matches and no negated one does', () => {
    expect(matchPatternList('db1', ['web*', 'db*'])).toBe(true);
    expect(matchPatternList('db1', ['*', '!db1'])).toBe(false);
    expect(matchPatternList('db2', ['*', '!db1'])).toBe(true);
    expect(matchPatternList('db1', ['!db2'])).toBe(false);
  });
});

describe('isWildcardPattern', () => {
  it('flags patterns that are not a single concrete name', () => {
    expect(isWildcardPattern('db1')).toBe(false);
    expect(isWildcardPattern('*.lan')).toBe(true);
    expect(isWildcardPattern('db?')).toBe(true);
    expect(isWildcardPattern('!db1')).toBe(true);
  });
});
