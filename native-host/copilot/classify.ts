/**
 * Does a command change state? `true` (with the reason from the rule table), `false` (reads
 * only, or changes only the shell session), or `null` when it cannot be judged, which is
 * never the same as read-only. Wrappers are looked through (sudo, env, nohup, timeout,
 * xargs, `ssh host '…'`, `bash -c '…'`, `docker exec`, `kubectl exec -- …`, `find -exec`),
 * every part of a compound command and every `$(…)` is judged, and a redirection into a file
 * is a write whatever the command.
 */
import type { PromptContext } from './prompts.js';
import { RULES, SQL_RULES, SUBCOMMAND_PROGRAMS, type Rule, type Verdict } from './rules.js';
import { parseLine, type SimpleCommand } from './shell-words.js';

export interface Classification {
  command: string;
  changesState: Verdict;
  reason: string;
}

/** Where the command was typed, as far as the segmenter knows. */
export type ClassifyContext = Pick<PromptContext, 'family' | 'mode'>;

interface Judgement {
  changesState: Verdict;
  reason: string;
}

const MAX_DEPTH = 6;

export function classify(command: string, context?: ClassifyContext): Classification {
  const judgement = judgeLine(command.trim(), context, 0);
  return { command, ...judgement };
}

const index = buildIndex(RULES);

function buildIndex(rules: readonly Rule[]): Map<string, Rule[]> {
  const map = new Map<string, Rule[]>();
  for (const rule of rules) {
    for (const program of rule[0].split('|')) {
      const list = map.get(program) ?? [];
      list.push(rule);
      map.set(program, list);
    }
  }
  return map;
}

function judgeLine(line: string, context: ClassifyContext | undefined, depth: number): Judgement {
  if (line === '') return { changesState: false, reason: 'empty line' };
  if (depth > MAX_DEPTH) return { changesState: null, reason: 'nested too deeply to judge' };
  const family = context?.family;
  if (family === 'sql' || (family !== 'ios' && family !== 'junos' && looksLikeSql(line))) {
    return judgeSql(line);
  }
  if (family === 'ios' && context?.mode?.startsWith('config')) return judgeIosConfig(line, context);
  if (family === 'junos' && context?.mode?.startsWith('edit')) return judgeJunosConfig(line, depth);
  if (family === 'uboot' && /^reset\s*$/.test(line)) {
    return { changesState: true, reason: 'boot loader: resets the board' };
  }
  if (family === 'ios' || family === 'junos' || family === 'routeros') {
    // Network CLIs have no shell syntax: `show run | include x` pipes into a filter.
    const head = line.split('|')[0] ?? line;
    if (family === 'routeros') return judgeRouterOs(line);
    return lookup(head.trim().split(/\s+/));
  }
  if (
    family === undefined &&
    /^\//.test(line) &&
    /\s(print|add|set|remove|enable|disable|export)\b/.test(line)
  ) {
    return judgeRouterOs(line);
  }
  const parsed = parseLine(line);
  const parts: Judgement[] = parsed.commands.map((c) => judgeSimple(c, depth));
  for (const inner of parsed.substitutions) parts.push(judgeLine(inner, undefined, depth + 1));
  return combine(parts);
}

function combine(parts: Judgement[]): Judgement {
  const change = parts.find((p) => p.changesState === true);
  if (change) return change;
  const unknown = parts.find((p) => p.changesState === null);
  if (unknown) return unknown;
  if (parts.length === 0) return { changesState: false, reason: 'nothing runs' };
  if (parts.length === 1 && parts[0]) return parts[0];
  return { changesState: false, reason: parts.map((p) => p.reason).join('; ') };
}

const DISCARD = /^(\/dev\/(null|stdout|stderr|tty|fd\/[12])|[12-]|&[12])$/;

function judgeSimple(command: SimpleCommand, depth: number): Judgement {
  const writes = command.redirects.find(
    (r) => /^(\d*|&)(>>|>\||>)$/.test(r.op) && !DISCARD.test(r.target),
  );
  const judgement = judgeWords(command.words, command.pipeIndex, depth);
  const program = programName(command.words[0] ?? '');
  if (
    judgement.changesState === false &&
    command.redirects.some((r) => /^0?(<|<<|<<<|<<-)$/.test(r.op)) &&
    (SHELLS.test(program) || SQL_CLIENTS.test(program))
  ) {
    return { changesState: null, reason: `${program} runs what it reads from its input` };
  }
  if (writes && judgement.changesState !== true) {
    return { changesState: true, reason: `writes ${writes.target} (redirection)` };
  }
  return judgement;
}

const SHELLS = /^(ba|z|k|da|fi|c|tc|a)?sh$/;
const SQL_CLIENTS = /^(psql|mysql|mariadb|sqlite3|sqlplus|mongo|mongosh|cqlsh|clickhouse-client)$/;

/** Cisco's `sh` is `show`: `sh ip int br`, `sh run`. A script is a path or ends in .sh. */
const IOS_SHOW_WORDS =
  /^(ip|ipv6|int|interfaces?|run|running-config|start|startup-config|ver|version|log|logging|vlan|mac|cdp|lldp|arp|clock|users|spanning-tree|span|etherchannel|inv|inventory|env|proc|processes|mem|memory|bgp|ospf|route|controllers|standby|vrrp|port-channel|power|switch|module|boot|flash:?|tech|tech-support|access-lists?|cont|conf)$/;

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', 'time', '{']);
const CLOSERS = new Set(['fi', 'done', '}', 'esac', ';;']);

function judgeWords(input: string[], pipeIndex: number, depth: number): Judgement {
  let words = input;
  while (words.length > 0 && KEYWORDS.has(words[0] ?? '')) words = words.slice(1);
  if (words.length === 0 || words.every((w) => CLOSERS.has(w))) {
    return { changesState: false, reason: 'shell syntax' };
  }
  if (words[0] === 'for' || words[0] === 'case' || words[0] === 'select') {
    return { changesState: false, reason: 'loop or case header' };
  }
  let assignments = 0;
  while (assignments < words.length && /^[A-Za-z_]\w*=/.test(words[assignments] ?? '')) {
    assignments += 1;
  }
  if (assignments === words.length) {
    return { changesState: false, reason: 'sets a shell variable' };
  }
  words = words.slice(assignments);
  const program = programName(words[0] ?? '');
  const args = words.slice(1);
  if (program === 'sh' && IOS_SHOW_WORDS.test(args[0] ?? '')) return lookup(['show', ...args]);
  if (pipeIndex > 0 && args.every((a) => a.startsWith('-')) && SHELLS.test(program)) {
    return { changesState: null, reason: `${program} runs a script read from the pipe` };
  }
  if (
    pipeIndex > 0 &&
    SQL_CLIENTS.test(program) &&
    !args.some((a) => /^(-c|-e|--command|--execute)$/.test(a))
  ) {
    return { changesState: null, reason: `${program} runs statements read from the pipe` };
  }
  const wrapped = unwrap(program, args, pipeIndex, depth);
  if (wrapped) return wrapped;
  if (words[0]?.includes('/') && !RULES_HAVE(program)) {
    return { changesState: null, reason: `runs ${words[0]}: its effect is not known` };
  }
  return lookup([program, ...args]);
}

function RULES_HAVE(program: string): boolean {
  return index.has(program);
}

/** `/usr/bin/rm` → `rm`; `\rm` (alias bypass) → `rm`. */
function programName(word: string): string {
  const base =
    word.includes('/') && !word.startsWith('./') ? word.slice(word.lastIndexOf('/') + 1) : word;
  return base.replace(/^\\/, '');
}

/** Looks through commands that run other commands; undefined when `program` is not one. */
function unwrap(
  program: string,
  args: string[],
  pipeIndex: number,
  depth: number,
): Judgement | undefined {
  const inner = (words: string[], via: string): Judgement => {
    if (words.length === 0) return lookup([program, ...args]);
    const j = judgeWords(words, pipeIndex, depth + 1);
    return { changesState: j.changesState, reason: `${via}: ${j.reason}` };
  };
  const line = (text: string, via: string): Judgement => {
    const j = judgeLine(text, undefined, depth + 1);
    return { changesState: j.changesState, reason: `${via}: ${j.reason}` };
  };
  switch (program) {
    case 'sudo':
    case 'doas': {
      const rest = skipOptions(args, [
        '-u',
        '-g',
        '-C',
        '-D',
        '-h',
        '-p',
        '-r',
        '-t',
        '-U',
        '-T',
        '--user',
        '--group',
        '--chdir',
        '--prompt',
        '--host',
      ]);
      if (rest.length === 0) return undefined; // `sudo -i`, `sudo -l`: the table judges them
      return inner(rest, program);
    }
    case 'env': {
      let rest = skipOptions(args, ['-u', '--unset', '-C', '--chdir', '-S']);
      while (rest.length > 0 && /^[A-Za-z_]\w*=/.test(rest[0] ?? '')) rest = rest.slice(1);
      if (rest.length === 0) return { changesState: false, reason: 'prints the environment' };
      return inner(rest, 'env');
    }
    case 'nice':
    case 'nohup':
    case 'stdbuf':
    case 'ionice':
    case 'command':
    case 'builtin':
    case 'exec':
    case 'time':
    case 'caffeinate':
    case 'unbuffer':
    case 'chronic':
    case 'catchsegv':
    case 'strace':
    case 'ltrace': {
      const rest = skipOptions(args, [
        '-n',
        '-c',
        '-o',
        '-e',
        '-i',
        '-o',
        '-p',
        '-s',
        '--adjustment',
        '--classdata',
        '--class',
      ]);
      if (rest.length === 0) return undefined;
      if (program === 'command' && /^-[vV]$/.test(args[0] ?? '')) return undefined;
      return inner(rest, program);
    }
    case 'timeout': {
      const rest = skipOptions(args, ['-s', '--signal', '-k', '--kill-after']).slice(1);
      return inner(rest, 'timeout');
    }
    case 'watch': {
      const rest = skipOptions(args, ['-n', '--interval', '-d', '--differences']);
      if (rest.length === 1) return line(rest[0] ?? '', 'watch');
      return inner(rest, 'watch');
    }
    case 'flock':
    case 'chroot': {
      const rest = skipOptions(args, [
        '-w',
        '--timeout',
        '-E',
        '--conflict-exit-code',
        '--userspec',
        '--groups',
      ]).slice(1);
      if (rest[0] === '-c') return line(rest[1] ?? '', program);
      return inner(rest, program);
    }
    case 'runuser':
    case 'su': {
      const c = args.findIndex((a) => a === '-c' || a === '--command');
      if (c >= 0) return line(args[c + 1] ?? '', program);
      if (program === 'runuser') {
        const dash = args.indexOf('--');
        if (dash >= 0) return inner(args.slice(dash + 1), program);
      }
      return undefined;
    }
    case 'xargs': {
      const rest = skipOptions(args, [
        '-n',
        '-I',
        '-i',
        '-P',
        '-d',
        '-L',
        '-l',
        '-s',
        '-E',
        '-e',
        '-a',
        '--max-args',
        '--max-procs',
        '--delimiter',
        '--arg-file',
        '--replace',
      ]);
      if (rest.length === 0) return { changesState: false, reason: 'xargs: echoes its input' };
      return inner(rest, 'xargs');
    }
    case 'bash':
    case 'sh':
    case 'zsh':
    case 'ksh':
    case 'dash':
    case 'ash':
    case 'busybox': {
      if (program === 'busybox' && args.length > 0) return inner(args, 'busybox');
      const c = args.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a));
      if (c >= 0) return line(args[c + 1] ?? '', program);
      return undefined;
    }
    case 'ssh': {
      const rest = skipOptions(args, [
        '-p',
        '-i',
        '-l',
        '-o',
        '-F',
        '-J',
        '-L',
        '-R',
        '-D',
        '-b',
        '-c',
        '-E',
        '-e',
        '-m',
        '-O',
        '-Q',
        '-S',
        '-W',
        '-w',
        '-B',
        '-I',
      ]);
      if (rest.length <= 1) return undefined;
      return line(rest.slice(1).join(' '), `ssh ${rest[0] ?? ''}`);
    }
    case 'docker':
    case 'podman':
    case 'nerdctl': {
      const sub = args[0] === 'container' ? args.slice(1) : args;
      if (sub[0] !== 'exec') return undefined;
      const rest = skipOptions(sub.slice(1), [
        '-u',
        '--user',
        '-w',
        '--workdir',
        '-e',
        '--env',
        '--env-file',
      ]);
      if (rest.length <= 1) return undefined;
      const inside = rest.slice(1);
      if (inside.length === 1 || (/^(ba|z)?sh$/.test(inside[0] ?? '') && inside.length === 1)) {
        return { changesState: false, reason: `${program} exec: opens a shell in the container` };
      }
      return inner(inside, `${program} exec`);
    }
    case 'kubectl':
    case 'oc': {
      const dash = args.indexOf('--');
      const at = args.indexOf('exec');
      if (at < 0 || (dash >= 0 && at > dash)) return undefined;
      if (dash < 0)
        return { changesState: null, reason: `${program} exec: the command is not known` };
      const inside = args.slice(dash + 1);
      if (inside.length === 1 && /^(\/bin\/)?(ba|z)?sh$/.test(inside[0] ?? '')) {
        return { changesState: false, reason: `${program} exec: opens a shell in the pod` };
      }
      return inner(inside, `${program} exec`);
    }
    case 'psql':
    case 'mysql':
    case 'mariadb':
    case 'sqlite3':
    case 'clickhouse-client': {
      const c = args.findIndex((a) => /^(-c|-e|--command|--execute|--query|-q)$/.test(a));
      if (c >= 0) return judgeSql(args[c + 1] ?? '');
      const assigned = args.find((a) => /^--(command|execute|query)=/.test(a));
      if (assigned) return judgeSql(assigned.slice(assigned.indexOf('=') + 1));
      if (args.some((a) => /^(-f|--file)(=|$)/.test(a))) {
        return { changesState: null, reason: `${program} runs statements from a file` };
      }
      if (program === 'sqlite3' && args.length >= 2 && !(args.at(-1) ?? '').startsWith('-')) {
        return judgeSql(args.at(-1) ?? '');
      }
      return {
        changesState: false,
        reason: 'opens a database shell (statements are judged one by one)',
      };
    }
    case 'find': {
      if (args.some((a) => a === '-delete'))
        return { changesState: true, reason: 'find -delete deletes files' };
      const exec = args.findIndex((a) => /^-(exec|execdir|ok|okdir)$/.test(a));
      if (exec < 0) return undefined;
      const end = args.findIndex((a, i) => i > exec && (a === ';' || a === '+' || a === '\\;'));
      return inner(args.slice(exec + 1, end < 0 ? undefined : end), 'find -exec');
    }
    default:
      return undefined;
  }
}

/** Drops leading options (and the values of those in `withValue`). */
function skipOptions(args: string[], withValue: string[]): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i] ?? '';
    if (a === '--') return args.slice(i + 1);
    if (!a.startsWith('-') || a === '-') break;
    i += withValue.includes(a) ? 2 : 1;
  }
  return args.slice(i);
}

function lookup(words: string[]): Judgement {
  const program = words[0] ?? '';
  let args = words.slice(1);
  const global = SUBCOMMAND_PROGRAMS[program];
  if (global) {
    // The subcommand first, the global options after it, so patterns can anchor on both.
    const rest = skipGlobal(args, global);
    args = [...rest, ...args.slice(0, args.length - rest.length)];
  }
  const text = args.join(' ');
  const rules = index.get(program);
  if (!rules) return { changesState: null, reason: `${program}: not in the rule table` };
  for (const rule of rules) {
    if (rule[1].test(text)) return { changesState: rule[2], reason: rule[3] };
  }
  return {
    changesState: null,
    reason: `${program} ${args[0] ?? ''}: no rule for this form`.trim(),
  };
}

function skipGlobal(args: string[], withValue: string[]): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i] ?? '';
    if (!a.startsWith('-') || a === '-' || a === '--') break;
    i += withValue.includes(a) ? 2 : 1;
  }
  return args.slice(i);
}

// ── SQL ────────────────────────────────────────────────────────────────────────────────

const SQL_START =
  /^(select|insert|update|delete|merge|upsert|create|alter|drop|truncate|grant|revoke|with|explain|describe|vacuum|analyze|reindex|begin|commit|rollback|copy|call|use|show)\b/i;

function looksLikeSql(line: string): boolean {
  const first = /^\S+/.exec(line)?.[0] ?? '';
  if (!SQL_START.test(first)) return false;
  // Upper case (`SELECT …`), a closing semicolon, or a word no shell or device knows.
  return (
    first === first.toUpperCase() ||
    /;\s*$/.test(line) ||
    /^(select|insert|update|merge|upsert|create|alter|drop|truncate|grant|revoke|with|vacuum|reindex|copy|call|use)$/i.test(
      first,
    )
  );
}

function judgeSql(text: string): Judgement {
  const statements = splitSql(text);
  return combine(statements.map(judgeStatement));
}

const sqlRules = SQL_RULES.map((rule) => ({ first: new RegExp(`^(${rule[0]})$`, 'i'), rule }));

function judgeStatement(statement: string): Judgement {
  const s = statement.replace(/^\s*\(+/, '').trim();
  const first = (/^(\\\S+|\.\w+|\w+)/.exec(s)?.[0] ?? '').toLowerCase();
  const rest = s.slice(first.length).trim();
  for (const { first: pattern, rule } of sqlRules) {
    if (pattern.test(first) && rule[1].test(rest))
      return { changesState: rule[2], reason: rule[3] };
  }
  return { changesState: null, reason: `SQL ${first.toUpperCase()}: not in the rule table` };
}

function splitSql(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ';') {
      if (current.trim()) out.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current);
  return out;
}

// ── Network device configuration modes ─────────────────────────────────────────────────

function judgeIosConfig(line: string, context: ClassifyContext): Judgement {
  const words = line.trim().split(/\s+/);
  const first = (words[0] ?? '').toLowerCase();
  if (first === 'do') return lookup(words.slice(1));
  if (/^(show|sh|exit|end|help|\?|pwd|where)$/.test(first) || line.trim().endsWith('?')) {
    return { changesState: false, reason: 'configuration mode: reads or leaves' };
  }
  return {
    changesState: true,
    reason: `configuration mode (${context.mode ?? 'config'}): changes the running configuration`,
  };
}

function judgeJunosConfig(line: string, depth: number): Judgement {
  const words = line.trim().split(/\s+/);
  const first = words[0] ?? '';
  if (first === 'run') return judgeLine(words.slice(1).join(' '), { family: 'junos' }, depth + 1);
  if (/^(show|compare|status|exit|quit|top|up|edit|help|\?)$/.test(first)) {
    return { changesState: false, reason: 'configuration mode: reads or moves' };
  }
  return lookup(words);
}

function judgeRouterOs(line: string): Judgement {
  if (
    /\s(print|export|monitor|ping|get|find)\b/.test(line) ||
    /^\/(ping|tool\s+(ping|traceroute))/.test(line)
  ) {
    return { changesState: false, reason: 'RouterOS: prints or tests' };
  }
  if (
    /\s(add|set|remove|enable|disable|reset|move|unset|comment|import)\b|^\/system\s+(reboot|shutdown|reset-configuration|package\s+update)/.test(
      line,
    )
  ) {
    return { changesState: true, reason: 'RouterOS: changes configuration' };
  }
  return { changesState: null, reason: 'RouterOS: command not in the rule table' };
}
