/**
 * A small POSIX shell reader, enough to judge commands: quotes and escapes, the operators
 * that join commands (`;` `&&` `||` `&` `|` `|&`), redirections, and the commands inside
 * `$(…)` and backticks (returned separately, they run too). Not a full shell grammar:
 * what it cannot read it leaves as words, and the rule table then says "unknown".
 */

export interface Redirect {
  op: string;
  target: string;
}

export interface SimpleCommand {
  words: string[];
  redirects: Redirect[];
  /** Position in its pipeline: 0 is the first command, > 0 reads the previous one's output. */
  pipeIndex: number;
}

export interface ParsedLine {
  commands: SimpleCommand[];
  /** Command lines found inside `$(…)`, `<(…)` and backticks. */
  substitutions: string[];
}

type Token = { kind: 'word' | 'op' | 'redirect'; value: string };

const OPERATORS = ['&&', '||', '|&', ';;', ';', '&', '|', '\n'];
const REDIRECT = /^(\d*|&)(>>|>\||>&|>|<<<|<<-|<<|<&|<>|<)/;

export function parseLine(line: string): ParsedLine {
  const substitutions: string[] = [];
  const tokens = tokenize(line, substitutions);
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], redirects: [], pipeIndex: 0 };
  const push = (nextPipeIndex: number): void => {
    if (current.words.length > 0 || current.redirects.length > 0) commands.push(current);
    current = { words: [], redirects: [], pipeIndex: nextPipeIndex };
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.kind === 'op') {
      if (token.value === '|' || token.value === '|&') push(current.pipeIndex + 1);
      else push(0);
      continue;
    }
    if (token.kind === 'redirect') {
      const redirect = REDIRECT.exec(token.value) ?? /^(&)(>>|>)/.exec(token.value);
      const op = redirect?.[0] ?? token.value;
      let target = token.value.slice(op.length);
      const next = tokens[i + 1];
      if (target === '' && next?.kind === 'word') {
        target = next.value;
        i += 1;
      }
      current.redirects.push({ op, target });
      continue;
    }
    current.words.push(token.value);
  }
  push(0);
  return { commands, substitutions };
}

function tokenize(line: string, substitutions: string[]): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const end = (): void => {
    if (inWord) tokens.push({ kind: 'word', value: word });
    word = '';
    inWord = false;
  };
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (ch === '\\') {
      word += line[i + 1] ?? '';
      inWord = true;
      i += 2;
      continue;
    }
    if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      const stop = close < 0 ? line.length : close;
      word += line.slice(i + 1, stop);
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (ch === '"') {
      i += 1;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) {
          word += line[i + 1];
          i += 2;
        } else if (line[i] === '$' && line[i + 1] === '(') {
          const inner = balanced(line, i + 1);
          substitutions.push(inner.text);
          word += line.slice(i, inner.end);
          i = inner.end;
        } else if (line[i] === '`') {
          const close = line.indexOf('`', i + 1);
          const stop = close < 0 ? line.length : close;
          substitutions.push(line.slice(i + 1, stop));
          i = stop + 1;
        } else {
          word += line[i];
          i += 1;
        }
      }
      inWord = true;
      i += 1;
      continue;
    }
    if ((ch === '$' || ch === '<' || ch === '>') && line[i + 1] === '(') {
      const inner = balanced(line, i + 1);
      substitutions.push(inner.text);
      word += line.slice(i, inner.end);
      inWord = true;
      i = inner.end;
      continue;
    }
    if (ch === '`') {
      const close = line.indexOf('`', i + 1);
      const stop = close < 0 ? line.length : close;
      substitutions.push(line.slice(i + 1, stop));
      inWord = true;
      i = stop + 1;
      continue;
    }
    if (ch === '#' && !inWord) break; // a comment runs to the end of the line
    if (ch === ' ' || ch === '\t') {
      end();
      i += 1;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === '{' || ch === '}') {
      // Grouping: a command boundary. `{`/`}` only as words of their own.
      if ((ch === '{' || ch === '}') && (inWord || !/^([\s;]|$)/.test(line[i + 1] ?? ''))) {
        word += ch;
        inWord = true;
        i += 1;
        continue;
      }
      end();
      tokens.push({ kind: 'op', value: ';' });
      i += 1;
      continue;
    }
    if (ch === '>' || ch === '<' || (ch === '&' && line[i + 1] === '>')) {
      // A redirection: the fd number typed just before it belongs to it.
      const fd = /^\d+$/.test(word) && inWord ? word : '';
      if (inWord && fd === '') end();
      const m = REDIRECT.exec(line.slice(i)) ?? /^(&)(>>|>)/.exec(line.slice(i));
      const op = m ? m[0] : ch;
      word = fd + op;
      inWord = true;
      i += op.length;
      // `2>&1`: the target follows without a space.
      const dup = /^(\d+|-)/.exec(line.slice(i));
      if (op.endsWith('&') && dup) {
        word += dup[0];
        i += dup[0].length;
      }
      tokens.push({ kind: 'redirect', value: word });
      word = '';
      inWord = false;
      continue;
    }
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op) {
      end();
      tokens.push({ kind: 'op', value: op });
      i += op.length;
      continue;
    }
    word += ch;
    inWord = true;
    i += 1;
  }
  end();
  return tokens;
}

/** The text inside the parenthesis opening at `open`, and the index after its close. */
function balanced(line: string, open: number): { text: string; end: number } {
  let depth = 0;
  for (let i = open; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) break;
      i = close;
    } else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth === 0) return { text: line.slice(open + 1, i), end: i + 1 };
    }
  }
  return { text: line.slice(open + 1), end: line.length };
}
