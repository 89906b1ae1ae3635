import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown, type MarkdownOptions } from './Markdown.js';
import { linkTarget, parseMarkdown } from './markdown.js';

const html = (text: string, options: MarkdownOptions = {}): string =>
  renderToStaticMarkup(createElement(Markdown, { text, options }));

describe('the Copilot Markdown renderer', () => {
  it('renders headings, paragraphs, bold, emphasis and inline code', () => {
    expect(html('# Procedure draft — pty\n\n**Where:** device `pty`, _(to be written)_')).toBe(
      '<div class="markdown"><h4>Procedure draft — pty</h4>' +
        '<p><strong>Where:</strong> device <code>pty</code>, <em>(to be written)</em></p></div>',
    );
    expect(html('## Steps')).toContain('<h5>Steps</h5>');
  });

  it('keeps a paragraph’s lines apart', () => {
    expect(html('one\ntwo')).toBe('<div class="markdown"><p>one<br/>two</p></div>');
  });

  it('renders bullet lists with nested items and numbered steps with fenced code', () => {
    const markdown = [
      '**Evidence:**',
      '- `ls /nope` (00:01, Ann)',
      '  - `ls: cannot access`',
      '- second',
      '',
      '## Steps',
      '1. Run:',
      '   ```',
      '   mkdir -p /tmp/x',
      '   ```',
      '   Expected output (start):',
      '   > created',
      '   ⚠ Changes state: creates a directory',
      '2. Run:',
      '   ```',
      '   <b>echo</b>',
      '   ```',
    ].join('\n');
    const out = html(markdown);
    expect(out).toContain(
      '<ul><li><code>ls /nope</code> (00:01, Ann)<ul><li><code>ls: cannot access</code></li></ul></li><li>second</li></ul>',
    );
    expect(out).toContain('<ol start="1"><li>Run:<pre><code>mkdir -p /tmp/x</code></pre>');
    expect(out).toContain('<blockquote>created</blockquote>');
    expect(out).toContain('<p>⚠ Changes state: creates a directory</p>');
    expect(out).toContain('<li>Run:<pre><code>&lt;b&gt;echo&lt;/b&gt;</code></pre></li></ol>');
  });

  it('shows HTML and scripts in the Markdown as text', () => {
    const out = html('<script>alert(1)</script>\n- <img src=x onerror=alert(1)>\n`<i>`');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<i>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('links only http(s) addresses, opening them in a new tab', () => {
    expect(html('[docs](https://example.com/a?b=1)')).toContain(
      '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">docs</a>',
    );
    for (const bad of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<b>x</b>',
      'vbscript:x',
      '//evil.example/replay.html?x',
      'chrome-extension://abc/replay.html?recording=1',
    ]) {
      const out = html(`[click](${bad})`);
      expect(out, bad).not.toContain('<a');
      expect(out, bad).toContain('<span>click</span>');
    }
  });

  it('links the replay page only where extension pages can be opened', () => {
    const md = '- `mkdir x` — [replay](/replay.html?recording=r%201&t=1500)';
    expect(html(md)).not.toContain('<a');
    expect(html(md)).toContain('<span>replay</span>');
    const opened: string[] = [];
    expect(html(md, { openReplay: (path) => opened.push(path) })).toContain(
      '<a href="/replay.html?recording=r%201&amp;t=1500">replay</a>',
    );
  });

  it('judges link targets', () => {
    expect(linkTarget('/replay.html?recording=a&t=3')).toEqual({
      kind: 'replay',
      path: '/replay.html?recording=a&t=3',
    });
    expect(linkTarget('/recordings.html')).toBeUndefined();
    expect(linkTarget('http://x.test/')).toEqual({ kind: 'web', href: 'http://x.test/' });
    expect(linkTarget('https://')).toBeUndefined();
  });

  it('parses an unclosed fence and stray markers without losing text', () => {
    expect(parseMarkdown('```\nabc')).toEqual([{ kind: 'code', text: 'abc' }]);
    expect(html('a ** b ` c _d')).toBe('<div class="markdown"><p>a ** b ` c _d</p></div>');
  });
});
