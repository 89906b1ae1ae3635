import fs from 'node:fs';
import path from 'node:path';

/** A file the guest page needs, as the relay serves it. */
export interface GuestAsset {
  file: string;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

const GUEST_PAGE = 'guest.html';

/** `<script src>` and `<link href>` in the built page. */
const HTML_REFERENCES = /<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']/gi;
/** Static and dynamic imports in a built chunk: `from"./x.js"`, `import"./x.js"`, `import("./x.js")`. */
const JS_REFERENCES = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;
/** Fonts and images a stylesheet pulls in, and stylesheets it imports. */
const CSS_REFERENCES = /(?:url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)["'])/g;

/**
 * The guest page and exactly the files it loads, keyed by URL path: the page's scripts and
 * stylesheets, the chunks those scripts import, the fonts and images the stylesheets use.
 *
 * Why not the folder: the relay is handed the whole extension build, which also holds the
 * side panel, the replay viewer and the background worker. None of it is the guest's
 * business, and every extra file served is one more thing a stranger can probe. Found by
 * reading the built files, so a new chunk in the next build needs no list kept by hand.
 */
export function guestAssets(root: string): Map<string, GuestAsset> {
  const assets = new Map<string, GuestAsset>();
  const base = path.resolve(root);
  const pending: string[] = [path.join(base, GUEST_PAGE)];
  if (!fs.existsSync(pending[0] ?? '')) return assets;
  while (pending.length > 0) {
    const file = pending.pop();
    if (file === undefined) break;
    const urlPath = '/' + path.relative(base, file).split(path.sep).join('/');
    if (assets.has(urlPath)) continue;
    const type = TYPES[path.extname(file)];
    if (type === undefined || !fs.existsSync(file)) continue;
    assets.set(urlPath, { file, type });
    for (const reference of referencesIn(file)) {
      const target = resolveReference(base, file, reference);
      if (target !== undefined) pending.push(target);
    }
  }
  return assets;
}

function referencesIn(file: string): string[] {
  const pattern = file.endsWith('.html')
    ? HTML_REFERENCES
    : file.endsWith('.js')
      ? JS_REFERENCES
      : file.endsWith('.css')
        ? CSS_REFERENCES
        : undefined;
  if (pattern === undefined) return [];
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(pattern)) {
    const reference = match[1] ?? match[2];
    if (reference !== undefined) found.push(reference);
  }
  return found;
}

/** A reference inside the build folder, or undefined (absolute URLs, data:, escapes). */
function resolveReference(base: string, from: string, reference: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference) || reference.startsWith('//')) return undefined;
  const clean = reference.split(/[?#]/)[0] ?? '';
  if (clean === '') return undefined;
  const target = clean.startsWith('/')
    ? path.resolve(base, '.' + clean)
    : path.resolve(path.dirname(from), clean);
  return target.startsWith(base + path.sep) ? target : undefined;
}
