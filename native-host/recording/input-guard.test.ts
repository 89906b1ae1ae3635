import { describe, expect, it } from 'vitest';
import { InputGuard, RELEASE_QUIET_MS, CALM_MS, type InputGuardOptions } from './input-guard.js';
import { looksLikeSecretPrompt } from './secret-prompt.js';

const alice = { id: 'local:alice', name: 'alice' };
const bob = { id: 'peer:bob', name: 'bob' };
/** What the sink reports for one withheld line. */
const WITHHELD = '<withheld>';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function guard(options: InputGuardOptions = {}): {
  g: InputGuard;
  seen: string[];
  written: string[];
  type: (...keys: string[]) => void;
} {
  const seen: string[] = [];
  const written: string[] = [];
  const g: InputGuard = new InputGuard((_p, data) => {
    seen.push(data ?? WITHHELD);
    // As the session does: what is judged ordinary is echoed locally, as the session's output.
    if (options.localEcho === true && data !== undefined)
      g.localOutput(data.replace(/\r/g, '\r\n'));
  }, options);
  const type = (...keys: string[]): void => {
    for (const key of keys) g.input(alice, key, () => written.push(key));
  };
  return { g, seen, written, type };
}

describe('InputGuard without an echo flag (SSH, serial)', () => {
  it('withholds a line typed at a password prompt that is not echoed, as one marker', () => {
    const { g, seen, written, type } = guard();
    g.output('login: ');
    type('admin\r');
    g.output('admin\r\nPassword: ');
    type('s', '3', 'c', '\r');
    g.output('\r\nWelcome\r\n$ ');
    type('ls\r');
    g.output('ls\r\nfile\r\n$ ');
    // Input always reaches the device at once; only its record waits.
    expect(written).toEqual(['admin\r', 's', '3', 'c', '\r', 'ls\r']);
    expect(seen).toEqual(['admin\r', WITHHELD, 'ls\r']);
    g.dispose();
  });

  it('judges type-ahead against the prompt it ends up answering (root⏎s3cr3t⏎ before Password:)', () => {
    for (const typing of [['root\rs3cr3t\r'], [...'root\rs3cr3t\r']]) {
      const { g, seen, type } = guard();
      g.output('login: ');
      type(...typing);
      g.output('r');
      g.output('oot\r\n');
      g.output('Pass');
      g.output('word: ');
      g.output('\r\nLast login: Mon\r\n$ ');
      expect(seen.join('')).toBe(`root\r${WITHHELD}`);
      expect(seen.join('')).not.toContain('s3');
      g.dispose();
    }
  });

  it('judges type-ahead when the whole answer comes in one chunk', () => {
    const { g, seen, type } = guard();
    g.output('login: ');
    type('root\r', 's3cr3t\r');
    g.output('root\r\nPassword: \r\nLast login: Mon\r\n$ ');
    expect(seen).toEqual(['root\r', WITHHELD]);
    g.dispose();
  });

  it('does not leak the first key typed before the prompt reaches the agent', () => {
    const { g, seen, type } = guard();
    g.output('login: ');
    type('root\r');
    g.output('root\r\n');
    type('s');
    g.output('Password: ');
    type('3', 'c', 'r', '3', 't', '\r');
    g.output('\r\n$ ');
    expect(seen).toEqual(['root\r', WITHHELD]);
    g.dispose();
  });

  it('reports a short and a long secret the same way: no length leak', () => {
    const report = (secret: string): string[] => {
      const { g, seen, type } = guard();
      g.output('Password: ');
      type(...secret, '\r');
      g.output('\r\n$ ');
      g.dispose();
      return seen;
    };
    expect(report('ab')).toEqual([WITHHELD]);
    expect(report('correct horse battery staple 123')).toEqual([WITHHELD]);
  });

  it('is not fooled by a log line arriving mid-password, even one holding the typed keys', () => {
    const { g, seen, type } = guard();
    g.output('Password: ');
    type('s', '3', 'c');
    // Today's bug: any output containing the last typed key counted as echo.
    g.output('\r\n[   12.345678] usb 1-1: new device c s3c\r\n');
    type('r', '3', 't', '\r');
    g.output('\r\n$ ');
    expect(seen).toEqual([WITHHELD]);
    g.dispose();
  });

  it('takes a prompt redrawn with the first key echoed after it, in one chunk, for an echo', () => {
    // A resize makes bash redraw its prompt; the first key's echo rides in the same chunk. The
    // input is reported at its echo, before the command's output (Copilot and artifacts read
    // commands from this order), not a second after output goes quiet.
    const { g, seen, type } = guard();
    g.output('$ ');
    type('l');
    g.output('\r\x1b[K\rroot@vm:~# l');
    expect(seen).toEqual(['l']);
    type('s', '\r');
    g.output('s');
    g.output('\r\nfile\r\nroot@vm:~# ');
    expect(seen).toEqual(['l', 's', '\r']);
    // Typed ahead of a slow prompt: the prompt and the echo arrive together.
    type('p', 'w', 'd', '\r');
    g.output('\x1b[?2004hroot@vm:~# pwd\r\n/root\r\n');
    expect(seen.slice(3)).toEqual(['p', 'w', 'd', '\r']);
    g.dispose();
  });

  it('never takes keys after a redrawn secret prompt, or while one waits, for an echo', () => {
    const { g, seen, type } = guard();
    g.output('Password: ');
    type('s', '3', 'c');
    g.output('\r\x1b[K\rPassword: s3c');
    type('\r');
    g.output('\r\n$ ');
    expect(seen).toEqual([WITHHELD]);
    g.dispose();
  });

  it('is not fooled by a log line that starts with the next typed key', () => {
    const { g, seen, type } = guard();
    g.output('Password: ');
    type('s');
    g.output('sda: attached SCSI removable disk\r\n');
    type('3', '\r');
    g.output('\r\n$ ');
    expect(seen).toEqual([WITHHELD]);
    g.dispose();
  });

  it('releases held input as ordinary once the device echoes it; masked echo stays secret', () => {
    const { g, seen } = guard();
    g.output("Enter passphrase for key 'id': ");
    g.input(alice, 'ab', () => {});
    g.output('ab');
    expect(seen).toEqual(['ab']);
    g.input(alice, '\r', () => {});
    g.output('\r\nPIN: ');
    g.input(alice, 'xy', () => {});
    g.output('**');
    g.input(alice, '\r', () => {});
    g.output('\r\n> ');
    expect(seen).toEqual(['ab', '\r', WITHHELD]);
    g.dispose();
  });

  it('withholds what is typed at prompts in several languages and for tokens, PINs and codes', () => {
    const prompts = [
      'Password: ',
      'Contraseña:',
      'Passwort: ',
      'Mot de passe : ',
      'Senha: ',
      'Пароль: ',
      '密码：',
      'パスワード: ',
      'Token: ',
      'PIN: ',
      'Verification code: ',
      "Enter passphrase for key '/home/alice/.ssh/id_ed25519': ",
      '[sudo] password for alice: ',
      "alice@db1's password: ",
      '\x1b[1mPassword:\x1b[0m ',
      'Password: \x1b[K',
    ];
    for (const prompt of prompts) {
      const { g, seen, type } = guard();
      g.output(`\r\n${prompt}`);
      type('hunter2\r');
      g.output('\r\nok\r\n$ ');
      expect(seen, prompt).toEqual([WITHHELD]);
      g.dispose();
    }
  });

  it('keeps false positives low: a line mentioning a password is no prompt', () => {
    for (const line of [
      'Last password change: Jan 01, 2025',
      'Your password has expired.',
      'Changing password for root.',
      'passwords: 3 stored',
      'Password changed: ok',
      'Username: ',
      'login: ',
      '$ ',
    ]) {
      expect(looksLikeSecretPrompt(line), line).toBe(false);
    }
    // Mentioned mid-output, followed by more: typing afterwards is ordinary.
    const { g, seen, type } = guard();
    g.output('Enter password: (see the manual)\r\nPassword: is a field\r\n$ ');
    type('ls\r');
    g.output('ls\r\nfile\r\n$ ');
    expect(seen).toEqual(['ls\r']);
    g.dispose();
  });

  it('releases keys a full-screen program neither echoes nor answers once output is quiet', async () => {
    const { g, seen, type } = guard();
    g.output('\x1b[?1049h~\r\n~');
    type('j', 'j');
    g.output('\x1b[2;1H');
    expect(seen).toEqual([]);
    await sleep(RELEASE_QUIET_MS + 150);
    expect(seen).toEqual(['j', 'j']);
    g.dispose();
  });

  // A slow PAM: after the username's echo, nothing for longer than the quiet release — the echo
  // and its newline in one piece, or apart (a blank line, then silence).
  it.each([
    ['in one piece', ['root\r\n']],
    ['echo and newline apart', ['root', '\r\n']],
  ])(
    'never releases type-ahead while the device is still answering the line before it (%s)',
    async (_how, answer) => {
      const { g, seen, type } = guard();
      g.output('login: ');
      type('root\r', 's3cr3t\r');
      for (const chunk of answer) g.output(chunk);
      await sleep(RELEASE_QUIET_MS + 150);
      expect(seen).toEqual(['root\r']);
      g.output('Password: ');
      g.output('\r\n$ ');
      expect(seen).toEqual(['root\r', WITHHELD]);
      g.dispose();
    },
  );

  it('withholds a line typed with the lock, whatever the detection says', () => {
    const { g, seen } = guard();
    g.output('Enter the magic word> ');
    g.input(alice, 'ope', () => {}, true);
    g.output('ope');
    g.input(alice, 'n\r', () => {}, true);
    g.output('n\r\nok\r\n$ ');
    g.input(bob, 'ls\r', () => {});
    g.output('ls\r\nfile\r\n$ ');
    expect(seen).toEqual([WITHHELD, 'ls\r']);
    g.dispose();
  });

  it('bounds what it holds: past the limit, held input is withheld', () => {
    const { g, seen, type } = guard();
    g.output('Password: ');
    type('x'.repeat(5000));
    expect(seen).toEqual([WITHHELD]);
    g.dispose();
  });

  it('keeps up with a line that never ends: its echoed keys are not compared again', () => {
    // Keys with no Enter, each echoed (a long paste, a script typing into a console). Each
    // chunk of output used to be compared against everything the line ever typed: 20,000
    // echoes of 512 characters took minutes, each slower than the one before.
    const { g, seen, type } = guard();
    g.output('$ ');
    const chunks = 20_000;
    for (let i = 0; i < chunks; i++) {
      const key = `k${i}${'x'.repeat(512)}`;
      type(key);
      g.output(key);
    }
    type('\x7f', '\r');
    g.output('\b \b\r\n$ ');
    expect(seen).toHaveLength(chunks + 2);
    expect(seen.at(-3)).toBe(`k${chunks - 1}${'x'.repeat(512)}`);
    g.dispose();
  }, 20_000);

  it('withholds what is still held when the session ends', () => {
    const { g, seen, type } = guard();
    g.output('Password: ');
    type('half');
    g.dispose();
    expect(seen).toEqual([WITHHELD]);
  });
});

describe('InputGuard for a device that echoes locally (serial local echo)', () => {
  it('echoes calm typing at once and withholds a type-ahead password', async () => {
    const { g, seen, type } = guard({ localEcho: true });
    g.output('router> ');
    await sleep(CALM_MS + 50);
    type('s', 'h');
    // Judged ordinary as typed: the local echo keeps up.
    expect(seen).toEqual(['s', 'h']);
    type('ow\r');
    g.output('\r\nversion 1\r\nrouter> ');
    await sleep(CALM_MS + 50);
    type('login\r', 'admin\r', 's3cr3t\r');
    expect(seen).toEqual(['s', 'h', 'ow\r', 'login\r']);
    g.output('\r\nUsername: ');
    g.output('\r\nPassword: ');
    g.output('\r\nrouter# ');
    await sleep(RELEASE_QUIET_MS + 150);
    expect(seen).toEqual(['s', 'h', 'ow\r', 'login\r', 'admin\r', WITHHELD]);
    g.dispose();
  });
});

describe('InputGuard for a device that echoes locally: fast typists', () => {
  it('does not echo keys typed while the device is still answering the line before', async () => {
    const { g, seen, type } = guard({ localEcho: true });
    g.output('Username: ');
    await sleep(CALM_MS + 50);
    type('admin\r');
    expect(seen).toEqual(['admin\r']);
    // The device's own newline comes at once; `Password:` only after a slow PAM.
    g.output('\r\n');
    type('s', '3');
    await sleep(CALM_MS + 150);
    expect(seen).toEqual(['admin\r']);
    g.output('Password: ');
    type('c\r');
    g.output('\r\n$ ');
    expect(seen).toEqual(['admin\r', WITHHELD]);
    g.dispose();
  });

  it('echoes keys typed right after a prompt once the device has settled', async () => {
    const { g, seen, type } = guard({ localEcho: true });
    g.output('router> ');
    type('s', 'h');
    expect(seen).toEqual([]);
    await sleep(CALM_MS + 100);
    expect(seen).toEqual(['s', 'h']);
    type('ow\r', 'x');
    expect(seen).toEqual(['s', 'h', 'ow\r']);
    // Typed before the device answered: waits for the answer, even past the quiet time.
    await sleep(CALM_MS + 100);
    expect(seen).toEqual(['s', 'h', 'ow\r']);
    g.dispose();
  });
});

describe('InputGuard with a PTY echo flag', () => {
  it('is secret exactly when echo is off in canonical mode; raw mode uses the prompt rule', async () => {
    let flags = { echo: false, canonical: true };
    const seen: string[] = [];
    const g = new InputGuard((_p, data) => seen.push(data ?? WITHHELD), {
      probe: () => Promise.resolve(flags),
    });
    g.output('Password: ');
    for (const key of ['p', 'w', '\r']) g.input(alice, key, () => {});
    await sleep(50);
    flags = { echo: false, canonical: false };
    g.output('\r\n\x1b[?1049h~\r\n~');
    g.input(alice, 'i', () => {});
    await sleep(50);
    g.output('i');
    await sleep(50);
    expect(seen).toEqual([WITHHELD, 'i']);
    g.dispose();
  });

  it('withholds a locked line even when the flags say echo is on', async () => {
    const seen: string[] = [];
    const g = new InputGuard((_p, data) => seen.push(data ?? WITHHELD), {
      probe: () => Promise.resolve({ echo: true, canonical: true }),
    });
    g.output('$ ');
    g.input(alice, 'ls\r', () => {});
    g.input(alice, 'tok', () => {}, true);
    g.input(alice, 'en\r', () => {}, true);
    g.input(alice, 'pwd\r', () => {});
    await sleep(50);
    expect(seen).toEqual(['ls\r', WITHHELD, 'pwd\r']);
    g.dispose();
  });
});
