import { PAGE_MAX_BYTES, PAGE_MAX_ENTRIES, TandemError } from '../../protocol/index.js';

/** Entries per page when a request names no `limit`. */
export const DEFAULT_PAGE_ENTRIES = 1000;

/**
 * Entries of `items` from `start` on, while there are fewer than `limit` and their JSON stays
 * under `budget` bytes. The reply around them is small and fixed, so a page always fits a frame
 * whatever its entries hold (non-ASCII names count by their UTF-8 size). Takes at least one
 * entry, so paging always moves on.
 */
export function slicePage<T>(
  items: readonly T[],
  start: number,
  limit = DEFAULT_PAGE_ENTRIES,
  budget = PAGE_MAX_BYTES,
): { page: T[]; end: number; budgetLeft: number } {
  const page: T[] = [];
  let left = budget;
  let index = start;
  for (; index < items.length && page.length < Math.min(limit, PAGE_MAX_ENTRIES); index++) {
    const size = Buffer.byteLength(JSON.stringify(items[index])) + 1;
    if (size > left && page.length > 0) break;
    page.push(items[index] as T);
    left -= size;
  }
  return { page, end: index, budgetLeft: Math.max(0, left) };
}

/**
 * A page of a list kept in a fixed order where every entry has a unique key: the cursor is the
 * key of the last entry sent, so entries added or removed between two pages never make the next
 * page skip or repeat one. `order` says how keys sort along the list.
 */
export function keysetPage<T>(
  items: readonly T[],
  key: (item: T) => string,
  request: { cursor?: string; limit?: number },
  order: 'ascending' | 'descending' = 'ascending',
): { page: T[]; next?: string } {
  const { cursor } = request;
  const start =
    cursor === undefined
      ? 0
      : items.findIndex((item) => {
          const k = key(item);
          return order === 'ascending' ? k > cursor : k < cursor;
        });
  if (start < 0) return { page: [] };
  const { page, end } = slicePage(items, start, request.limit);
  const last = page.at(-1);
  return end < items.length && last !== undefined ? { page, next: key(last) } : { page };
}

/** Orders page keys by code unit, as keysetPage compares them (localeCompare would not agree). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A cursor made of whole numbers (`3.0.12`), checked so a forged one gets a clear error. */
export function parseOffsets(cursor: string | undefined, count: number): number[] {
  if (cursor === undefined) return new Array<number>(count).fill(0);
  const parts = cursor.split('.').map(Number);
  if (parts.length !== count || parts.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new TandemError(
      'bad_request',
      'That page cursor is not one this agent gave — ask for the first page again',
    );
  }
  return parts;
}
