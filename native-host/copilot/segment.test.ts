import { describe, expect, it } from 'vitest';
import { loadTranscript } from '../../test/copilot/transcripts.js';
import { readLines } from './lines.js';
import { redrawn, segment } from './segment.js';

const summary = (name: string) =>
  segment(loadTranscript(name)).commands.map((c) => [c.command, c.typedBy.join(',')]);

describe('segment', () => {
  it('splits a recorded bash session into commands, output and typists (readline wrap included)', () => {
    const result = segment(loadTranscript('bash'));
    expect(result.shellIntegration).toBe(false);
    expect(summary('bash')).toEqual([
      ['ls --color=always -la /tmp/cop/home', 'local:tech'],
      ['mkdir -p /tmp/cop/home/backup', 'p-remote1'],
      ['cp .bashrc backup/bashrc.orig', 'p-remote1'],
      ['grep -c PS1 .bashrc', 'local:tech'],
      ['cat /nonexistent/file', 'local:tech'],
      // 84 characters: readline wrapped it at column 80 with " \r".
      ['echo "error: disk 93% full on /var" >&2; echo "warning: retrying"', 'p-remote1'],
      ['systemctl --version | head -1', 'local:tech'],
    ]);
    const ls = result.commands[0];
    expect(ls?.context).toMatchObject({ family: 'posix', user: 'tech', host: 'field-laptop' });
    expect(ls?.output[0]).toBe('total 12');
    expect(ls?.output.join('\n')).not.toContain('\x1b'); // colour codes of ls are gone
    expect(result.commands[4]?.output).toEqual([
      'cat: /nonexistent/file: No such file or directory',
    ]);
    expect(result.commands[6]?.output).toEqual(['systemd 252 (252.38-1~deb12u1)']);
    const times = result.commands.map((c) => c.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('uses OSC 133 marks when bash prints them, with exit codes', () => {
    const result = segment(loadTranscript('bash-osc133'));
    expect(result.shellIntegration).toBe(true);
    expect(result.commands.map((c) => c.source)).toEqual(Array(7).fill('osc133'));
    expect(result.commands.map((c) => [c.command, c.exitCode])).toEqual([
      ['ls --color=always -la /tmp/cop/home', 0],
      ['mkdir -p /tmp/cop/home/backup', 0],
      ['cp .bashrc backup/bashrc.orig', 0],
      ['grep -c PS1 .bashrc', 0],
      ['cat /nonexistent/file', 1],
      ['echo "error: disk 93% full on /var" >&2; echo "warning: retrying"', 0],
      ['systemctl --version | head -1', 0],
    ]);
    expect(result.commands[5]?.output).toEqual([
      'error: disk 93% full on /var',
      'warning: retrying',
    ]);
  });

  it('reads zsh (PROMPT_SP, title, bracketed paste) and does not credit a password line to the next command', () => {
    const result = segment(loadTranscript('zsh'));
    expect(summary('zsh')).toEqual([
      ['sudo systemctl restart postgresql', 'local:ops'],
      ['journalctl -u postgresql -n 3 --no-pager', 'p-alice'],
      ['ss -ltnp | grep 5432', 'p-alice'],
    ]);
    expect(result.commands[1]?.output).toHaveLength(3);
    expect(result.currentPrompt).toEqual({
      prompt: 'ops@db1 ~ %',
      context: { family: 'posix', user: 'ops', host: 'db1', cwd: '~', privilege: 'user' },
    });
  });

  it('follows Cisco IOS modes and removes the --More-- pager from output', () => {
    const result = segment(loadTranscript('ios'));
    expect(result.commands.map((c) => [c.prompt, c.command])).toEqual([
      ['sw-core-1>', 'enable'],
      ['sw-core-1#', 'show interfaces status'],
      ['sw-core-1#', 'show logging | include 1/0/3'],
      ['sw-core-1#', 'configure terminal'],
      ['sw-core-1(config)#', 'interface Gi1/0/3'],
      ['sw-core-1(config-if)#', 'shutdown'],
      ['sw-core-1(config-if)#', 'no shutdown'],
      ['sw-core-1(config-if)#', 'end'],
      ['sw-core-1#', 'write memory'],
    ]);
    const status = result.commands[1]?.output ?? [];
    expect(status).toHaveLength(5);
    expect(status.join('\n')).not.toMatch(/More/);
    expect(status[3]).toMatch(/^Gi1\/0\/3 +printer-2f +err-disabled/);
    expect(result.commands[5]?.context).toMatchObject({
      mode: 'config-if',
      privilege: 'privileged',
    });
    expect(result.commands[1]?.typedBy).toEqual(['p-remote']);
  });

  it('follows Junos operational and configuration mode with the [edit] level and ---(more)---', () => {
    const result = segment(loadTranscript('junos'));
    expect(result.commands.map((c) => [c.command, c.context.mode ?? ''])).toEqual([
      ['show interfaces terse ge-0/0/1', ''],
      ['configure', ''],
      ['edit interfaces ge-0/0/1', 'edit'],
      ['set description "to ISP-B"', 'edit interfaces ge-0/0/1'],
      ['show | compare', 'edit interfaces ge-0/0/1'],
      ['commit check', 'edit interfaces ge-0/0/1'],
      ['commit and-quit', 'edit interfaces ge-0/0/1'],
    ]);
    expect(result.commands[0]?.output).toEqual([
      'Interface               Admin Link Proto    Local                 Remote',
      'ge-0/0/1                up    down',
      'ge-0/0/1.0             up    down inet     192.0.2.1/30',
      'ge-0/0/1.32767         up    down',
    ]);
    expect(result.currentPrompt?.context).toMatchObject({ family: 'junos', privilege: 'user' });
  });

  it('reads a U-Boot console', () => {
    expect(summary('uboot')).toEqual([
      ['printenv bootcmd', 'local:tech'],
      ['setenv serverip 192.168.1.10', 'local:tech'],
      ['saveenv', 'local:tech'],
    ]);
  });

  it('does not take prompts inside a command’s output for commands', () => {
    const result = segment([
      [0, 'o', 'me@box:~$ '],
      [10, 'i', 'local:me', 'cat old-session.log\r'],
      [20, 'o', 'cat old-session.log\r\nroot@other:/# rm -rf /srv/cache\r\nrouter#reload\r\n'],
      [30, 'o', 'me@box:~$ '],
    ]);
    expect(result.commands.map((c) => c.command)).toEqual(['cat old-session.log']);
    expect(result.commands[0]?.output).toEqual([
      'root@other:/# rm -rf /srv/cache',
      'router#reload',
    ]);
  });

  it('finds the prompt that lands on a no-echo prompt’s line (`Password: user@host:~$ …`)', () => {
    const result = segment([
      [0, 'o', 'tech@box:/tmp % '],
      [10, 'i', 'local:tech', "read -s -p 'Password: ' PW\r"],
      [20, 'o', "read -s -p 'Password: ' PW\r\nPassword: "],
      [30, 's', 'local:tech'],
      [40, 'o', 'tech@box:/tmp % '],
      [50, 'i', 'local:tech', 'echo "warning: disk 91% full"\r'],
      [60, 'o', 'echo "warning: disk 91% full"\r\nwarning: disk 91% full\r\ntech@box:/tmp % '],
    ]);
    expect(result.commands.map((c) => [c.command, c.output])).toEqual([
      ["read -s -p 'Password: ' PW", ['Password:']],
      ['echo "warning: disk 91% full"', ['warning: disk 91% full']],
    ]);
    expect(result.currentPrompt?.prompt).toBe('tech@box:/tmp %');
  });

  it('takes the last copy of a line readline drew again below a stale one (a resize while typing)', () => {
    // Recorded from bash: the panel narrowed the terminal 100 -> 55 columns while
    // `…echo owner-` was on a 56-column line; the reflow put the cursor a row down, and readline,
    // not knowing, redrew the whole line there. The screen shows the same two copies.
    const typed = 'mkdir -p /tmp/tandem-end-26598 && echo owner-made-$((40+2))';
    const run = (mark: (kind: string) => string) =>
      segment(
        [
          [0, 'o', `\x1b[?2004h${mark('A')}root@vm:~# ${mark('B')}`],
          [10, 'i', 'local:root', typed.slice(0, 45)],
          [20, 'o', typed.slice(0, 45)],
          [30, 'r', 55, 43],
          [31, 'i', 'local:root', typed.slice(45)],
          [32, 'o', `m\r\x1b[K\r${mark('A')}root@vm:~# ${mark('B')}${typed}`],
          [40, 'i', 'local:root', '\r'],
          [41, 'o', `\r\n\x1b[?2004l\rowner-made-42\r\n${mark('A')}root@vm:~# ${mark('B')}`],
        ],
        100,
      ).commands.map((c) => [c.command, c.output]);
    expect(run(() => '')).toEqual([[typed, ['owner-made-42']]]);
    expect(run((kind) => `\x1b]133;${kind}\x07`)).toEqual([[typed, ['owner-made-42']]]);
    // A command that merely contains its prompt is left whole.
    expect(redrawn('root@vm:~#', 'echo root@vm:~# is mine')).toBe('echo root@vm:~# is mine');
    expect(redrawn('$', "printf '$ %s' x")).toBe("printf '$ %s' x");
    expect(redrawn('#', '# install deps first')).toBe('# install deps first');
    expect(redrawn('$', 'ls -l $ ls -la /tmp')).toBe('ls -la /tmp');
    // And without a resize no line is read as redrawn.
    const plain = segment([
      [0, 'o', '$ '],
      [10, 'i', 'local:root', 'echo $ echo done\r'],
      [20, 'o', 'echo $ echo done\r\n$ echo done\r\n$ '],
    ]);
    expect(plain.commands.map((c) => c.command)).toEqual(['echo $ echo done']);
  });

  it('keeps lines whole across chunk boundaries that split an escape sequence', () => {
    const lines = readLines([
      { t: 1, data: 'ok \x1b[3' },
      { t: 2, data: '1mred\x1b[0m\r\n\x1b]133;' },
      { t: 3, data: 'A\x07$ ' },
    ]);
    expect(lines.map((l) => l.text)).toEqual(['ok red', '$']);
    expect(lines[1]?.marks).toEqual([{ kind: 'A', column: 0 }]);
  });
});
