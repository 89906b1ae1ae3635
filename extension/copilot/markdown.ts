/**
 * The small Markdown the Copilot writes (native-host/copilot/actions.ts), parsed into plain data
 * that Markdown.tsx turns into React elements. Nothing here produces HTML: whatever the text
 * holds (tags, scripts) stays text.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'code'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'em'; children: Inline[] }
  | { kind: 'link'; href: string; children: Inline[] };

export type Block =
  | { kind: 'heading'; level: number; inline: Inline[] }
  | { kind: 'paragraph'; inline: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'quote'; inline: Inline[] }
  | { kind: 'list'; ordered: boolean; start: number; items: Block[][] };

const FENCE = /^(\s*)```/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Removes up to `n` leading spaces. */
function dedent(line: string, n: number): string {
  return line.slice(Math.min(n, indentOf(line)));
}

export function parseMarkdown(markdown: string): Block[] {
  return parseBlocks(markdown.replaceAll('\r\n', '\n').split('\n'));
}

function parseBlocks(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence !== null) {
      const indent = fence[1]?.length ?? 0;
      const body: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(lines[i] ?? ''))
        body.push(dedent(lines[i++] ?? '', indent));
      i++; // the closing fence (or the end)
      blocks.push({ kind: 'code', text: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      blocks.push({
        kind: 'heading',
        level: heading[1]?.length ?? 1,
        inline: parseInline(heading[2] ?? ''),
      });
      i++;
      continue;
    }
    if (ITEM.test(line)) {
      i = parseList(lines, i, blocks);
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      for (let m = QUOTE.exec(lines[i] ?? ''); m !== null; m = QUOTE.exec(lines[++i] ?? ''))
        body.push(m[1] ?? '');
      blocks.push({ kind: 'quote', inline: joinLines(body) });
      continue;
    }
    const body: string[] = [];
    while (i < lines.length) {
      const next = lines[i] ?? '';
      if (next.trim() === '' || FENCE.test(next) || HEADING.test(next)) break;
      if (ITEM.test(next) || QUOTE.test(next)) break;
      body.push(next.trim());
      i++;
    }
    blocks.push({ kind: 'paragraph', inline: joinLines(body) });
  }
  return blocks;
}

/** Lines of one paragraph keep their breaks: the Copilot writes one fact a line. */
function joinLines(lines: string[]): Inline[] {
  return lines.flatMap((line, n) => [
    ...(n > 0 ? [{ kind: 'text' as const, text: '\n' }] : []),
    ...parseInline(line),
  ]);
}

/** Reads one list starting at `start`; returns the index after it. */
function parseList(lines: string[], start: number, blocks: Block[]): number {
  const first = ITEM.exec(lines[start] ?? '');
  const baseIndent = first?.[1]?.length ?? 0;
  const ordered = /\d/.test(first?.[2] ?? '');
  const items: Block[][] = [];
  let i = start;
  while (i < lines.length) {
    const m = ITEM.exec(lines[i] ?? '');
    if (m === null || (m[1]?.length ?? 0) !== baseIndent || /\d/.test(m[2] ?? '') !== ordered)
      break;
    const contentIndent = baseIndent + (m[2]?.length ?? 1) + 1;
    const body = [m[3] ?? ''];
    i++;
    // The item goes on while lines are indented past its marker (blank lines inside included).
    while (i < lines.length) {
      const next = lines[i] ?? '';
      if (next.trim() === '') {
        const after = lines.slice(i + 1).find((l) => l.trim() !== '');
        if (after === undefined || indentOf(after) <= baseIndent) break;
        body.push('');
        i++;
        continue;
      }
      if (indentOf(next) <= baseIndent) break;
      body.push(dedent(next, contentIndent));
      i++;
    }
    items.push(parseBlocks(body));
  }
  const startNumber = ordered ? Number.parseInt(first?.[2] ?? '1', 10) : 1;
  blocks.push({ kind: 'list', ordered, start: startNumber, items });
  return i;
}

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const flush = (): void => {
    if (plain !== '') out.push({ kind: 'text', text: plain });
    plain = '';
  };
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const ch = text[i] ?? '';
    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i) {
        flush();
        out.push({ kind: 'code', text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if (rest.startsWith('**')) {
      const end = text.indexOf('**', i + 2);
      if (end > i + 2) {
        flush();
        out.push({ kind: 'strong', children: parseInline(text.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    }
    if (ch === '_' && !/\w/.test(text[i - 1] ?? '')) {
      const end = text.indexOf('_', i + 1);
      if (end > i + 1 && !/\w/.test(text[end + 1] ?? '')) {
        flush();
        out.push({ kind: 'em', children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (ch === '[') {
      const link = /^\[([^\]]*)\]\(([^)\s]*)\)/.exec(rest);
      if (link !== null) {
        flush();
        out.push({
          kind: 'link',
          href: link[2] ?? '',
          children: parseInline(link[1] ?? ''),
        });
        i += link[0].length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  flush();
  return out;
}

/** Where a link may lead: the web, or this extension's replay page; anything else is text. */
export type LinkTarget = { kind: 'web'; href: string } | { kind: 'replay'; path: string };

export function linkTarget(href: string): LinkTarget | undefined {
  if (/^\/replay\.html\?[^\s\\]*$/.test(href) && !href.startsWith('//'))
    return { kind: 'replay', path: href };
  if (!/^https?:\/\//i.test(href)) return undefined;
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? { kind: 'web', href: url.href }
      : undefined;
  } catch {
    return undefined;
  }
}
