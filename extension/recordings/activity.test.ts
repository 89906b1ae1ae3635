import { describe, expect, it } from 'vitest';
import { ActivityBuilder, SPAN_GAP_MS } from './activity.js';

describe('ActivityBuilder', () => {
  it('merges keystrokes into spans per participant', () => {
    const b = new ActivityBuilder();
    b.input(0, 'a', 'l');
    b.input(100, 'a', 's');
    b.input(150, 'b', 'x');
    b.input(200 + SPAN_GAP_MS, 'a', '\r');
    expect(b.spans).toEqual([
      { participantId: 'a', start: 0, end: 100 },
      { participantId: 'b', start: 150, end: 150 },
      { participantId: 'a', start: 200 + SPAN_GAP_MS, end: 200 + SPAN_GAP_MS },
    ]);
  });

  it('detects typed commands with backspace, arrows and Ctrl+C handled', () => {
    const b = new ActivityBuilder();
    b.input(10, 'a', 'lss');
    b.input(20, 'a', '\x7f -la\x1b[D\r');
    b.input(30, 'a', 'rm -rf /\x03');
    b.input(40, 'a', '\r');
    b.input(50, 'b', 'echo hi\r');
    expect(b.commands).toEqual([
      { t: 20, participantId: 'a', label: 'ls -la' },
      { t: 50, participantId: 'b', label: 'echo hi' },
    ]);
  });

  it('never turns withheld (no-echo) input into a command', () => {
    const b = new ActivityBuilder();
    b.input(10, 'a', 'sudo ls\r');
    b.input(20, 'a', undefined);
    b.input(30, 'a', '\r');
    expect(b.commands.map((c) => c.label)).toEqual(['sudo ls']);
  });
});
