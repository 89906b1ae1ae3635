/**
 * Does the last line of output ask for a secret (password, passphrase, PIN, token, one-time
 * code)? Judged on the line the cursor sits on, with escape sequences and masking stars removed,
 * so only a line that *ends* in the question counts: a log line that merely mentions a password
 * goes on after the word, and is followed by a newline rather than by a waiting cursor.
 */

/**
 * The words that ask for a secret, in the languages consoles and `login`/PAM/sudo/OpenSSH are
 * commonly translated into. A keyword must start a word (a `\b` that also works for scripts
 * without spaces, see SECRET_PROMPT).
 */
const SECRET_WORDS = [
  // English: password, passphrase, passcode, PIN, tokens, one-time codes.
  'pass(?:word|phrase|code|wd)',
  'pin(?:\\s*code)?',
  '(?:access\\s+|auth(?:entication)?\\s+|api\\s+|security\\s+|bearer\\s+|mfa\\s+|2fa\\s+|otp\\s+)?token',
  '(?:verification|security|authentication|auth|one[- ]time|confirmation|sms|mfa|2fa|totp|otp|access)\\s*(?:code|pin)',
  'otp',
  'secret(?:\\s+key)?',
  // Spanish, Portuguese, Italian, Catalan.
  'contrase[ñn]a',
  'clave',
  'senha',
  'palavra[- ]passe',
  'parola\\s+(?:d\\W)?accesso',
  'c[oò]digo\\s+de\\s+verifica[cç](?:i[oó]n|[aã]o)',
  // French, German, Dutch, Scandinavian, Finnish, Polish, Czech, Hungarian, Turkish, Romanian.
  'mot\\s+de\\s+passe',
  'code\\s+de\\s+v[ée]rification',
  'passwort',
  'kennwort',
  'wachtwoord',
  'l[öo]senord',
  'adgangskode',
  'passord',
  'salasana',
  'has[łl]o',
  'heslo',
  'jelsz[óo]',
  '[şs]ifre',
  'parola',
  // Greek, Russian, Ukrainian.
  'κωδικ[όο]ς',
  'пароль',
];

/** Chinese, Japanese, Korean: no spaces between words, so no word boundaries either. */
const CJK_SECRET_WORDS = ['密码', '密碼', '口令', 'パスワード', '暗証番号', '비밀번호', '암호'];

/**
 * Keyword, then at most 120 characters without a sentence end (a key path, "for alice",
 * "(again)"), then a colon (ASCII or full-width) and only spaces. `(?<![\p{L}\p{N}])` is a word
 * start in every script; `(?!\p{L})` stops "passwords", "pinned", "tokens".
 */
const SECRET_PROMPT = new RegExp(
  `(?:(?<![\\p{L}\\p{N}])(?:${SECRET_WORDS.join('|')})(?!\\p{L})|${CJK_SECRET_WORDS.join('|')})(?:[^\\n.!?]|[.](?!\\s)){0,120}[:：]\\s*$`,
  'iu',
);

/** CSI, OSC and two-character escape sequences, and other C0 controls but none we need. */
const ESCAPES =
  // eslint-disable-next-line no-control-regex -- terminal output is full of control characters
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** A colon, then only spaces, masking stars and CSI sequences (colours, erase to end of line). */
// eslint-disable-next-line no-control-regex -- the escape sequences prompts are wrapped in
const ENDS_IN_COLON = /[:：](?:[\s*•●]|\x1b\[[0-?]*[ -/]*[@-~])*$/u;

/** The text of a line as the user sees it: escapes gone, `\r` overwrites from the start. */
export function visibleLine(raw: string): string {
  const text = raw.replace(ESCAPES, '').replace(/\r+$/, '');
  const cr = text.lastIndexOf('\r');
  return cr >= 0 ? text.slice(cr + 1) : text;
}

/**
 * True when `line` (the cursor's line, raw) ends asking for a secret. Masking stars after the
 * prompt (`PIN: ***`) still count: the device masks what is typed, it does not echo it.
 */
export function looksLikeSecretPrompt(line: string): boolean {
  // Most output does not end in a colon: skip the long expression (it runs on every chunk).
  if (!ENDS_IN_COLON.test(line)) return false;
  const visible = visibleLine(line).replace(/[*•●]+\s*$/u, '');
  if (visible.length > 400) return false;
  return SECRET_PROMPT.test(visible);
}

/** The longest line taken for a prompt: a log line is longer. */
export const PROMPT_MAX_CHARS = 200;

/**
 * True when `line` ends like any prompt (`Username: `, `router> `, `$ `, `Continue? `): the
 * device stopped there to read a line. A log line ends in words, not in a prompt's mark.
 */
export function looksLikePrompt(line: string): boolean {
  const visible = visibleLine(line);
  return visible.length <= PROMPT_MAX_CHARS && /[:：>#$%?]\s*$/u.test(visible);
}
