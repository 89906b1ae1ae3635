import { describe, expect, it } from 'vitest';
import type { RecordingIndex } from '../../protocol/index.js';
import type { RecordingEvent } from '../recording/format.js';
import { draftArtifact, MAX_ARTIFACT_COMMANDS } from './artifact.js';

const index: RecordingIndex = {
  recordingId: 'rec-1',
  sessionId: 'ses-1',
  name: 'Core switch',
  device: { kind: 'serial', label: '/dev/ttyUSB0 9600 8N1' },
  participants: [],
  startedAt: '2026-12-01T10:00:00.000Z',
  durationMs: 60_000,
  bytes: 1,
  live: false,
  cols: 80,
  rows: 24,
  eventsOffset: 0,
  keyframes: [],
  markers: [],
};

async function* feed(events: RecordingEvent[]): AsyncGenerator<RecordingEvent> {
  for (const e of events) yield e;
}

/** A line typed by `who` at `t` and what the shell printed after it, then the next prompt. */
function typed(t: number, who: string, line: string, output: string[]): RecordingEvent[] {
  return [
    [t, 'i', who, `${line}\r`],
    [t + 5, 'o', `${line}\r\n${output.map((o) => `${o}\r\n`).join('')}tech@sw1:~$ `],
  ];
}

describe('draftArtifact', () => {
  it('lists every command with who typed it, when and whether it changed state; summarises errors', async () => {
    const draft = await draftArtifact(
      index,
      feed([
        [0, 'j', 'local:root', 'root', 'owner'],
        [10, 'o', 'tech@sw1:~$ '],
        [500, 'j', 'guest:ana', 'Ana Lopez', 'viewer'],
        [600, 'role', 'guest:ana', 'coworker'],
        ...typed(1000, 'local:root', 'ls /etc', ['hosts passwd']),
        ...typed(2000, 'guest:ana', 'rm -rf /tmp/old', []),
        ...typed(3000, 'guest:ana', 'cat /nope', ['cat: /nope: No such file or directory']),
        [4000, 'k', 4000, 0, 80, 24, 'ignored keyframe'],
      ]),
      'Sam (on site)',
    );
    expect(draft).toMatchObject({
      recordingId: 'rec-1',
      sessionId: 'ses-1',
      name: 'Core switch',
      participants: [
        { name: 'Sam (on site)', role: 'owner' },
        { name: 'Ana Lopez', role: 'coworker' },
      ],
    });
    expect(draft.commands.map((c) => [c.command, c.typedBy, c.changesState])).toEqual([
      ['ls /etc', ['Sam (on site)'], false],
      ['rm -rf /tmp/old', ['Ana Lopez'], true],
      ['cat /nope', ['Ana Lopez'], false],
    ]);
    // When: the moment the line was entered (within the echo's 5 ms), as time and as offset.
    draft.commands.forEach((c, i) => {
      const entered = (i + 1) * 1000;
      expect(c.t).toBeGreaterThanOrEqual(entered);
      expect(c.t).toBeLessThanOrEqual(entered + 5);
      expect(c.at).toBe(new Date(Date.parse(index.startedAt) + c.t).toISOString());
    });
    // The owner's Unix account never appears: the display name does.
    expect(JSON.stringify(draft)).not.toContain('root');
    expect(draft.summary).toContain(
      '3 run by Sam (on site), Ana Lopez; 1 changed state, 0 may have.',
    );
    expect(draft.summary).toMatch(/1× error: cat: \/nope: No such file or directory/);
    expect(draft.summary).toContain('**Final state:** last command `cat /nope`');
    expect(draft.omittedCommands).toBeUndefined();
  });

  it('keeps the newest commands of a very long session and says how many were left out', async () => {
    const events: RecordingEvent[] = [[0, 'o', 'tech@sw1:~$ ']];
    const total = MAX_ARTIFACT_COMMANDS + 20;
    for (let i = 0; i < total; i++)
      events.push(...typed(10 + i * 10, 'local:u', `echo ${i}`, [`${i}`]));
    const draft = await draftArtifact(index, feed(events), 'Host');
    expect(draft.commands).toHaveLength(MAX_ARTIFACT_COMMANDS);
    expect(draft.omittedCommands).toBe(20);
    expect(draft.commands[0]?.command).toBe('echo 20');
    expect(draft.commands.at(-1)?.command).toBe(`echo ${total - 1}`);
  });

  it('drafts an empty session without inventing anything', async () => {
    const draft = await draftArtifact(index, feed([]), 'Host');
    expect(draft.commands).toEqual([]);
    expect(draft.participants).toEqual([]);
    expect(draft.summary).toContain('**Commands:** 0 run; 0 changed state, 0 may have.');
    expect(draft.summary).toContain('- none seen');
  });
});
