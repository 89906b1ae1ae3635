/**
 * What the fast-forward's tests (here and the panel's feed) share: a small headless terminal
 * whose whole state can be compared, and a deterministic generator, so a failure can be
 * replayed. Tests only; nothing in a build imports it.
 */
import headless from '@xterm/headless';
import serialize from '@xterm/addon-serialize';

const { Terminal } = headless;
const { SerializeAddon } = serialize;

export type TestTerminal = InstanceType<typeof Terminal>;

/** 40×8 with 30 lines of scrollback; `state()` is the buffer, the cursor and the scroll. */
export function testScreen(): { terminal: TestTerminal; state: () => string } {
  const terminal = new Terminal({ cols: 40, rows: 8, scrollback: 30, allowProposedApi: true });
  const serializer = new SerializeAddon();
  terminal.loadAddon(serializer);
  return {
    terminal,
    state: () => {
      const b = terminal.buffer.active;
      return `${b.type} ${b.cursorX},${b.cursorY} ${b.baseY}\n${serializer.serialize()}`;
    },
  };
}

/** A small deterministic generator: `next(n)` is in 0 … n − 1. */
export function random(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}
