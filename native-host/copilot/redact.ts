/**
 * Redaction of what may leave the machine for a language model. Every rule replaces a secret
 * with `[redacted <what>]` and counts it; the caller shows the result (exactly what would be
 * sent) before anything is sent. Lines typed at no-echo prompts never get here: the InputGuard
 * withholds them before the Copilot reads anything (docs/copilot.md).
 *
 * Rules err on the side of hiding: a config line whose key says password or secret loses its
 * value even when the value is harmless.
 */

export interface Redaction {
  text: string;
  /** How many secrets were replaced, by kind. */
  counts: Record<string, number>;
}

interface Rule {
  what: string;
  pattern: RegExp;
  /** Builds the replacement from the match; by default the whole match goes. */
  replace?: (match: string, ...groups: string[]) => string;
}

const mark = (what: string): string => `[redacted ${what}]`;

const RULES: Rule[] = [
  {
    // PEM blocks: private keys, also when a terminal wrapped or a log cut them (no END line).
    what: 'private key',
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$(?![\s\S]))/g,
  },
  {
    // scheme://user:password@host — database URLs, AMQP, Redis, HTTP basic auth.
    what: 'password',
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+):([^\s@'"]+)@/gi,
    replace: (_m, head: string) => `${head}:${mark('password')}@`,
  },
  {
    // Authorization headers and bearer tokens.
    what: 'token',
    pattern: /\b(authorization:\s*(?:bearer|basic|token)\s+|bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: (_m, head: string) => `${head}${mark('token')}`,
  },
  {
    // AWS access key ids.
    what: 'AWS key',
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g,
  },
  {
    // Well-known token shapes: GitHub, GitLab, Slack, Stripe, Google API keys, OpenAI, npm, JWTs.
    what: 'token',
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[A-Za-z0-9_-]{35}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{36}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g,
  },
  {
    // mysql -pSECRET (no space: the value is glued to the flag), sshpass -p SECRET.
    what: 'password',
    pattern: /(\bmysql(?:dump|admin)?\b[^\n]*?\s-p(?!\s)|\bsshpass\s+-p\s*)(\S+)/g,
    replace: (_m, head: string) => `${head}${mark('password')}`,
  },
  {
    // key = value / key: value / KEY=value / --password value / -pvalue where the key names a
    // secret. Covers configs (`password = hunter2`), env (`AWS_SECRET_ACCESS_KEY=…`), YAML,
    // command-line flags, Cisco `enable secret 5 …` / `username x password 0 …`.
    what: 'secret',
    pattern:
      /((?:^|[\s"'{,;(])-{0,2}(?:[\w.-]*(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|apikey|private[_-]?key|credential|community|auth[_-]?key|access[_-]?key)[\w.-]*)["']?(?:[ \t]*[:=][ \t]*|[ \t]+(?:[0-9][ \t]+)?)["']?)([^\s"',;}]+)/gim,
    replace: (_m, head: string) => `${head}${mark('secret')}`,
  },
];

/** `text` with every secret the rules know replaced, and how many of each went. */
export function redact(text: string): Redaction {
  const counts: Record<string, number> = {};
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest.filter((g): g is string => typeof g === 'string');
      const replaced = rule.replace ? rule.replace(match, ...groups) : mark(rule.what);
      // A value already redacted by an earlier rule is not counted twice.
      if (replaced === match || (groups[1] ?? '').startsWith('[redacted')) return match;
      counts[rule.what] = (counts[rule.what] ?? 0) + 1;
      return replaced;
    });
  }
  return { text: out, counts };
}
