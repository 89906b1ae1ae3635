import { describe, expect, it } from 'vitest';
import { loadTranscript } from '../../test/copilot/transcripts.js';
import { catchUp, foldProblems, runAction, type SessionFacts } from './actions.js';
import { segment } from './segment.js';

const facts: SessionFacts = {
  device: 'admin@sw-core-1',
  startedAt: new Date('2026-12-01T08:00:00Z'),
  names: new Map([
    ['local:tech', 'Tomás'],
    ['p-remote', 'Rui'],
    ['local:ops', 'Olga'],
    ['p-alice', 'Alice'],
  ]),
  recordingId: 'rec-1',
};

describe('Copilot actions', () => {
  it('catch-up says where you are, what ran, folded errors and the current state', () => {
    const answer = runAction('catchup', segment(loadTranscript('zsh')), facts);
    expect(answer.markdown).toContain('host ops@db1');
    expect(answer.markdown).toContain('Olga: `sudo systemctl restart postgresql` — changes state');
    expect(answer.markdown).toContain('Alice: `journalctl -u postgresql -n 3 --no-pager`');
    expect(answer.markdown).toMatch(/2× error: .*could not bind IPv4 address/);
    expect(answer.markdown).toContain('**Current state:** last command `ss -ltnp | grep 5432`');
  });

  it('catch-up reads only the last N lines', () => {
    const answer = catchUp(segment(loadTranscript('ios')), facts, 4);
    expect(answer.title).toBe('Catch-up: last 4 lines');
    expect(answer.markdown).not.toContain('show interfaces status');
    expect(answer.markdown).toContain('write memory');
    expect(answer.markdown).toContain('privileged (enable) mode');
  });

  it('lists state-changing commands with who, when and a replay link', () => {
    const answer = runAction('changes', segment(loadTranscript('ios')), facts);
    expect(answer.changes?.map((c) => [c.command, c.typedBy.join(), c.changesState])).toEqual([
      ['interface Gi1/0/3', 'Tomás', true],
      ['shutdown', 'Tomás', true],
      ['no shutdown', 'Tomás', true],
      ['write memory', 'Tomás', true],
    ]);
    const first = answer.changes?.[0];
    expect(first?.at).toBe(new Date(facts.startedAt.getTime() + (first?.t ?? 0)).toISOString());
    expect(answer.markdown).toContain(`(/replay.html?recording=rec-1&t=${first?.t ?? -1})`);
  });

  it('drafts a handoff note with an empty hypothesis for a person, evidence and next checks', () => {
    const answer = runAction('handoff', segment(loadTranscript('zsh')), facts);
    expect(answer.hypothesis).toBe('');
    expect(answer.markdown).toContain('**Current hypothesis:** _(to be written by a person)_');
    expect(answer.markdown).toMatch(/Evidence:\*\*\n- `journalctl -u postgresql/);
    expect(answer.markdown).toContain(
      '- [ ] Verify the effect of `sudo systemctl restart postgresql`',
    );
  });

  it('drafts a procedure with steps, expected output and parameters', () => {
    const answer = runAction('procedure', segment(loadTranscript('ios')), facts);
    expect(answer.markdown).toContain('- `INTERFACE` — in this session: `Gi1/0/3`');
    expect(answer.markdown).toContain('interface <INTERFACE>');
    expect(answer.markdown).toMatch(
      /write memory\n {3}```\n {3}Expected output \(start\):\n {3}> Building configuration/,
    );
    // The same steps as data, for saving as a procedure.
    expect(answer.procedure?.parameters).toEqual([{ name: 'INTERFACE', example: 'Gi1/0/3' }]);
    const steps = answer.procedure?.steps ?? [];
    expect(steps.find((s) => s.command === 'interface <INTERFACE>')?.changesState).toBe(true);
    expect(steps.find((s) => s.command === 'write memory')?.expected[0]).toMatch(
      /^Building configuration/,
    );
  });

  it('folds repeated problems whatever their timestamps and pids', () => {
    expect(
      foldProblems([
        'Dec 01 08:01:02 db1 app[812]: ERROR: queue 7 full',
        'Dec 01 08:01:09 db1 app[813]: ERROR: queue 9 full',
        'warning: retrying',
        'all good',
      ]),
    ).toEqual([
      { kind: 'error', count: 2, example: 'Dec 01 08:01:02 db1 app[812]: ERROR: queue 7 full' },
      { kind: 'warning', count: 1, example: 'warning: retrying' },
    ]);
  });
});
