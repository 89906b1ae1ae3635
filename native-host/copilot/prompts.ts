/**
 * Prompt heuristics: which line on screen is a prompt, where the command typed after it
 * starts, and what the prompt says about where the person is (host, privilege, mode).
 * Used when the shell prints no OSC 133 marks. One table, first match wins.
 */

export type PromptFamily = 'posix' | 'ios' | 'junos' | 'uboot' | 'routeros' | 'sql';

export interface PromptContext {
  family: PromptFamily;
  host?: string;
  user?: string;
  /** `root` (`#` in a Unix shell), `privileged` (IOS `#`, Junos config), or `user`. */
  privilege?: 'user' | 'privileged' | 'root';
  /** Configuration mode: `config`, `config-if`, `edit interfaces ge-0/0/0`… */
  mode?: string;
  cwd?: string;
}

export interface PromptMatch {
  prompt: string;
  command: string;
  context: PromptContext;
}

interface PromptRule {
  pattern: RegExp;
  read: (m: RegExpExecArray) => PromptContext;
}

const NAME = '[A-Za-z0-9][\\w.\\-]*';

const RULES: PromptRule[] = [
  {
    // user@host:~/dir$  [user@host dir]#  user@host ~ %  (venv) user@host:~$
    pattern: new RegExp(
      `^((?:\\([^)]*\\)\\s)?\\[?(${NAME})@(${NAME})(?::|\\s)([^\\]$#%]*?)\\]?\\s?([$#%]))(?:\\s(.*))?$`,
    ),
    read: (m) => ({
      family: 'posix',
      user: m[2],
      host: m[3],
      cwd: m[4]?.trim() || undefined,
      privilege: m[5] === '#' || m[2] === 'root' ? 'root' : 'user',
    }),
  },
  {
    // MikroTik RouterOS: [admin@MikroTik] /ip address>
    pattern: new RegExp(`^(\\[(${NAME})@([^\\]]+)\\]\\s?(/[^>]*)?>)(?:\\s?(.*))?$`),
    read: (m) => ({ family: 'routeros', user: m[2], host: m[3], mode: m[4]?.trim() || undefined }),
  },
  {
    // Junos: user@router> (operational), user@router# (configuration), user@router% (shell)
    pattern: new RegExp(`^((${NAME})@(${NAME})([>#%]))(?:\\s(.*))?$`),
    read: (m) => ({
      family: m[4] === '%' ? 'posix' : 'junos',
      user: m[2],
      host: m[3],
      privilege: m[4] === '>' ? 'user' : 'privileged',
      mode: m[4] === '#' ? 'edit' : undefined,
    }),
  },
  {
    // U-Boot
    pattern: /^(=>|U-Boot>|uboot>|Marvell>>)(?:\s(.*))?$/,
    read: () => ({ family: 'uboot' }),
  },
  {
    // SQL shells: mysql> MariaDB [db]> sqlite> SQL> db=# db=>
    pattern: /^((?:mysql|MariaDB \[[^\]]*\]|sqlite|SQL)>|[\w-]+=[#>])(?:\s(.*))?$/,
    read: (m) => ({ family: 'sql', privilege: m[1]?.endsWith('=#') ? 'privileged' : 'user' }),
  },
  {
    // bash-5.2$  sh-4.4#
    pattern: /^((?:bash|sh|zsh|ksh|ash)-[\d.]+([$#]))(?:\s(.*))?$/,
    read: (m) => ({ family: 'posix', privilege: m[2] === '#' ? 'root' : 'user' }),
  },
  {
    // BusyBox and minimal shells: / #  ~ $  /tmp #
    pattern: /^(([~/][^\s$#]*)\s([$#]))(?:\s(.*))?$/,
    read: (m) => ({ family: 'posix', cwd: m[2], privilege: m[3] === '#' ? 'root' : 'user' }),
  },
  {
    // Cisco IOS / NX-OS / Arista / most network gear: host>  host#  host(config-if)#
    pattern: /^(([A-Za-z0-9][\w.\-/:]{0,62})(?:\(([a-z][\w\-/.]*)\))?([>#]))(?:\s?(.*))?$/,
    read: (m) => ({
      family: 'ios',
      host: m[2],
      mode: m[3],
      privilege: m[4] === '#' ? 'privileged' : 'user',
    }),
  },
  {
    // host%  (zsh's default), bare $ and #
    pattern: /^((?:[A-Za-z0-9][\w.-]*)?([$#%]))(?:\s(.*))?$/,
    read: (m) => ({
      family: 'posix',
      privilege: m[2] === '#' ? 'root' : 'user',
      host: m[1] && m[1].length > 1 ? m[1].slice(0, -1) : undefined,
    }),
  },
];

/** The prompt at the start of `line`, or undefined when the line does not start with one. */
export function matchPrompt(line: string): PromptMatch | undefined {
  for (const rule of RULES) {
    const m = rule.pattern.exec(line);
    if (!m) continue;
    const prompt = m[1] ?? '';
    const command = (m[m.length - 1] ?? '').trim();
    return { prompt, command, context: dropUndefined(rule.read(m)) };
  }
  return undefined;
}

/** Junos prints `[edit interfaces ge-0/0/0]` on the line above a configuration prompt. */
export function junosEditLevel(line: string): string | undefined {
  const m = /^\[(edit(?: [^\]]*)?)\]$/.exec(line.trim());
  return m?.[1];
}

function dropUndefined(context: PromptContext): PromptContext {
  const out: PromptContext = { family: context.family };
  if (context.host) out.host = context.host;
  if (context.user) out.user = context.user;
  if (context.privilege) out.privilege = context.privilege;
  if (context.mode) out.mode = context.mode;
  if (context.cwd) out.cwd = context.cwd;
  return out;
}
