import type { PageResult, RecordingIndex } from './messages.js';

/**
 * Every page of a paged request, in order: asks without a cursor, then with each reply's
 * `next` until a page has none. A cursor that comes back twice is a broken agent, not a reason
 * to loop for ever.
 */
export async function allPages<R extends PageResult>(
  fetchPage: (cursor: string | undefined) => Promise<R>,
): Promise<R[]> {
  const pages: R[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    pages.push(page);
    if (page.next === undefined) return pages;
    if (seen.has(page.next)) throw new Error('The agent sent the same page twice');
    seen.add(page.next);
    cursor = page.next;
  }
}

/** A list request's pages as one list, e.g. allItems(fetch, (page) => page.sessions). */
export async function allItems<R extends PageResult, T>(
  fetchPage: (cursor: string | undefined) => Promise<R>,
  items: (page: R) => T[],
): Promise<T[]> {
  return (await allPages(fetchPage)).flatMap(items);
}

/**
 * A recording's index from its pages: the scalar fields of the first page (one consistent
 * moment), and each array as the concatenation of its slices.
 */
export function mergeIndexPages(pages: (RecordingIndex & PageResult)[]): RecordingIndex {
  const [first] = pages;
  if (first === undefined) throw new Error('A recording index has at least one page');
  const { next: _next, ...index } = first;
  return {
    ...index,
    keyframes: pages.flatMap((p) => p.keyframes),
    markers: pages.flatMap((p) => p.markers),
    participants: pages.flatMap((p) => p.participants),
  };
}
