import type { ReactNode } from 'react';
import { linkTarget, parseMarkdown, type Block, type Inline } from './markdown.js';

export interface MarkdownOptions {
  /**
   * Opens one of the extension's own pages (the replay) in a new tab. Absent on the guest page,
   * an ordinary web page that cannot open extension pages: there such links are plain text.
   */
  openReplay?: (path: string) => void;
}

/** The Copilot's Markdown as React elements: text stays text, only safe links are links. */
export function Markdown({ text, options = {} }: { text: string; options?: MarkdownOptions }) {
  return <div className="markdown">{blocks(parseMarkdown(text), options)}</div>;
}

function blocks(list: Block[], options: MarkdownOptions): ReactNode[] {
  return list.map((block, i) => {
    switch (block.kind) {
      case 'heading': {
        // Headings inside an answer sit below the entry's own title: never above h4.
        const level = Math.min(6, block.level + 3);
        const content = inline(block.inline, options);
        return level === 4 ? (
          <h4 key={i}>{content}</h4>
        ) : level === 5 ? (
          <h5 key={i}>{content}</h5>
        ) : (
          <h6 key={i}>{content}</h6>
        );
      }
      case 'paragraph':
        return <p key={i}>{inline(block.inline, options)}</p>;
      case 'quote':
        return <blockquote key={i}>{inline(block.inline, options)}</blockquote>;
      case 'code':
        return (
          <pre key={i}>
            <code>{block.text}</code>
          </pre>
        );
      case 'list': {
        const items = block.items.map((item, n) => <li key={n}>{listItem(item, options)}</li>);
        return block.ordered ? (
          <ol key={i} start={block.start}>
            {items}
          </ol>
        ) : (
          <ul key={i}>{items}</ul>
        );
      }
    }
  });
}

/** A one-paragraph item shows its text directly (a tight list), anything else as blocks. */
function listItem(item: Block[], options: MarkdownOptions): ReactNode {
  const [first, ...rest] = item;
  if (first?.kind !== 'paragraph') return blocks(item, options);
  return (
    <>
      {inline(first.inline, options)}
      {blocks(rest, options)}
    </>
  );
}

function inline(list: Inline[], options: MarkdownOptions): ReactNode[] {
  return list.map((part, i) => {
    switch (part.kind) {
      case 'text':
        return part.text === '\n' ? <br key={i} /> : part.text;
      case 'code':
        return <code key={i}>{part.text}</code>;
      case 'strong':
        return <strong key={i}>{inline(part.children, options)}</strong>;
      case 'em':
        return <em key={i}>{inline(part.children, options)}</em>;
      case 'link': {
        const label = inline(part.children, options);
        const target = linkTarget(part.href);
        if (target?.kind === 'web')
          return (
            <a key={i} href={target.href} target="_blank" rel="noopener noreferrer">
              {label}
            </a>
          );
        const open = options.openReplay;
        if (target?.kind === 'replay' && open !== undefined)
          return (
            <a
              key={i}
              href={target.path}
              onClick={(e) => {
                e.preventDefault();
                open(target.path);
              }}
            >
              {label}
            </a>
          );
        return <span key={i}>{label}</span>;
      }
    }
  });
}
