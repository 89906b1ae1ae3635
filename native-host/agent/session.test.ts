import headless from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentMessage } from '../../protocol/index.js';
import { openEcho } from '../devices/echo.js';
import { silentLogger } from '../log.js';
import type { ClientLink } from './link.js';
import { Session, splitChars } from './session.js';
import { SnapshotWorker } from './snapshotter.js';

const { Terminal } = headless;

function screenText(terminal: InstanceType<typeof Terminal>): string {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < buffer.length; i++)
    lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n').trimEnd();
}

function write(terminal: InstanceType<typeof Terminal>, data: string): Promise<void> {
  return new Promise((resolve) => terminal.write(data, resolve));
}

describe('splitChars', () => {
  it('never cuts a surrogate pair', () => {
    const text = 'ab😀cd😀';
    for (let max = 2; max < 8; max++) {
      const parts = splitChars(text, max);
      expect(parts.join('')).toBe(text);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(max);
      for (const part of parts) expect(/[\ud800-\udbff]$/.test(part)).toBe(false);
    }
  });
});

describe('Session attach', () => {
  const worker = new SnapshotWorker();
  afterAll(() => worker.terminate());

  function link(received: AgentMessage[]): ClientLink {
    return {
      id: String(Math.random()),
      role: 'owner',
      local: true,
      participant: { id: 'local:test', name: 'test' },
      send: (m) => received.push(m),
    };
  }

  /**
   * Feeds `lines` through a session with a 64 KiB buffer (pausing every `pauseEvery`), then
   * attaches a view, which gets a snapshot and the buffer: replayed into a fresh terminal they
   * must give the same screen and scrollback as all the output, and so must what follows.
   */
  async function expectRebuilt(id: string, lines: string[], pauseEvery: number): Promise<void> {
    const device = openEcho();
    const session = new Session({
      id,
      name: 'echo',
      device,
      cols: 80,
      rows: 24,
      snapshotter: worker.create(id, 80, 24),
      logger: silentLogger,
      bufferChars: 64 * 1024,
      onEnded: () => {},
    });
    let all = '';
    for (const [i, line] of lines.entries()) {
      all += line;
      device.write(line);
      if (i % pauseEvery === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 20));

    const received: AgentMessage[] = [];
    const view = link(received);
    const { result, start } = session.attach(view, 1);
    expect(result.mode).toBe('snapshot');
    start();
    const deadline = Date.now() + 10_000;
    while (
      !received.some((m) => m.type === 'session.snapshot' && m.final) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // The view consumed everything: acknowledge it, or flow control keeps the device paused.
    const consumed = received.reduce((n, m) => n + ('data' in m ? m.data.length : 0), 0);
    session.ack(view, consumed);
    const tail = '\x1b[1mafter attach\x1b[0m\r\n';
    device.write(tail);
    await new Promise((r) => setTimeout(r, 20));

    const reference = new Terminal({
      cols: 80,
      rows: 24,
      scrollback: 10_000,
      allowProposedApi: true,
    });
    await write(reference, all + tail);
    const rebuilt = new Terminal({
      cols: 80,
      rows: 24,
      scrollback: 10_000,
      allowProposedApi: true,
    });
    let lastSeq = 0;
    for (const message of received) {
      if (message.type === 'session.snapshot') {
        lastSeq = message.seq;
        await write(rebuilt, message.data);
      } else if (message.type === 'session.output') {
        expect(message.seq).toBeGreaterThan(lastSeq);
        if (lastSeq !== 0) expect(message.seq).toBe(lastSeq + 1);
        lastSeq = message.seq;
        await write(rebuilt, message.data);
      }
    }
    expect(screenText(rebuilt)).toBe(screenText(reference));
    expect(rebuilt.buffer.active.cursorY).toBe(reference.buffer.active.cursorY);
    await session.close();
  }

  it('rebuilds the exact screen and scrollback from snapshot + buffer', async () => {
    // Colours, cursor moves, text beyond ASCII (it reaches the worker as UTF-8) and plenty of
    // lines: far more than the 64 KiB buffer holds.
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      lines.push(`\x1b[3${i % 8}mline ${i}\x1b[0m ${'='.repeat(i % 50)} é漢😀\r\n`);
    }
    await expectRebuilt('s1', lines, 500);
  });

  it('rebuilds them after a plain flood the worker fast-forwards through', async () => {
    // 4 M characters at once (a flood: batched for the worker, which parses only the lines its
    // scrollback keeps), between a colour and a title before and a cursor move after.
    const lines = ['\x1b[32m\x1b]0;flood\x07'];
    for (let i = 0; i < 60_000; i++) lines.push(`flood line ${i} ${'-'.repeat(i % 60)}\r\n`);
    lines.push('\x1b[0m\x1b[5Aover\r\n');
    const before = worker.fastForwarded;
    await expectRebuilt('s2', lines, 20_000);
    expect(worker.fastForwarded - before).toBeGreaterThan(2_000_000);
  });

  it('replays exactly the missed chunks when they are still buffered', async () => {
    const device = openEcho();
    const session = new Session({
      id: 's2',
      name: 'echo',
      device,
      cols: 80,
      rows: 24,
      snapshotter: worker.create('s2', 80, 24),
      logger: silentLogger,
      onEnded: () => {},
    });
    for (const word of ['a', 'b', 'c', 'd']) {
      device.write(word);
      await new Promise((r) => setTimeout(r, 5));
    }
    const received: AgentMessage[] = [];
    const { result, start } = session.attach(link(received), 3);
    expect(result).toMatchObject({ mode: 'replay', afterSeq: 2 });
    expect(received).toEqual([]);
    start();
    const outputs = received.flatMap((m) => (m.type === 'session.output' ? [m.data] : []));
    expect(outputs).toEqual(['c', 'd']);
    await session.close();
  });
});
