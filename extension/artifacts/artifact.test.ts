import { describe, expect, it } from 'vitest';
import type { ArtifactDraft } from '../../protocol/index.js';
import {
  ARTIFACT_SCHEMA,
  artifactFromDraft,
  artifactJson,
  artifactMarkdown,
  artifactMatches,
} from './artifact.js';

const draft: ArtifactDraft = {
  recordingId: 'rec 1',
  sessionId: 'ses-1',
  name: 'Core switch',
  device: { kind: 'serial', label: '/dev/ttyUSB0 9600 8N1' },
  startedAt: '2026-12-01T10:00:00.000Z',
  durationMs: 754_000,
  participants: [
    { name: 'Sam', role: 'owner' },
    { name: 'Ana Lopez', role: 'coworker' },
  ],
  summary: '**Where:** device /dev/ttyUSB0',
  commands: [
    {
      command: 'show run | i `vlan`',
      typedBy: ['Ana Lopez'],
      at: '2026-12-01T10:01:05.000Z',
      t: 65_000,
      changesState: false,
      reason: 'reads',
    },
    {
      command: 'reload',
      typedBy: ['Sam'],
      at: '2026-12-01T10:02:00.000Z',
      t: 120_000,
      changesState: true,
      reason: 'restarts the device',
    },
  ],
};

describe('artifacts', () => {
  const artifact = artifactFromDraft(
    draft,
    [
      { text: 'late', t: 90_000, at: '2026-12-01T10:01:30.000Z' },
      { text: '%LINK-3-UPDOWN: Gi1/0/1 down\n```fenced```', t: 30_000, at: 'x' },
    ],
    new Date('2026-12-01T11:00:00.000Z'),
  );

  it('starts from the draft, with the evidence in the order it happened', () => {
    expect(artifact.schema).toBe(ARTIFACT_SCHEMA);
    expect(artifact.title).toBe('Core switch — 2026-12-01');
    expect(artifact.evidence.map((e) => e.t)).toEqual([30_000, 90_000]);
    expect(artifact.createdAt).toBe('2026-12-01T11:00:00.000Z');
    expect(artifact.notes).toBe('');
  });

  it('exports Markdown whose replay links open at each moment, and whose code survives backticks', () => {
    const md = artifactMarkdown(artifact, 'chrome-extension://abc');
    expect(md).toContain('# Core switch — 2026-12-01');
    expect(md).toContain('- **People:** Sam (owner), Ana Lopez (coworker)');
    expect(md).toContain(
      '- 0:30 — [replay at 0:30](chrome-extension://abc/replay.html?recording=rec%201&t=30000)',
    );
    // A fence longer than the longest run of backticks inside keeps the excerpt whole.
    expect(md).toContain('  ````\n  %LINK-3-UPDOWN: Gi1/0/1 down\n  ```fenced```\n  ````');
    expect(md).toContain(
      '- 10:01:05 Ana Lopez: `` show run | i `vlan` `` — [replay at 1:05](chrome-extension://abc/replay.html?recording=rec%201&t=65000)',
    );
    expect(md).toContain('- 10:02:00 Sam: `reload` — changed state — [replay at 2:00]');
    expect(md).not.toContain('## Notes');
    expect(artifactMarkdown({ ...artifact, notes: 'Ticket INC-42' })).toContain(
      '## Notes\n\nTicket INC-42',
    );
  });

  it('exports JSON that names its format and version and holds every field', () => {
    const parsed: unknown = JSON.parse(artifactJson({ ...artifact, id: 7 }));
    expect(parsed).toEqual({ tandem: 'artifact', ...artifact });
    expect(parsed).not.toHaveProperty('id');
  });

  it('is found by any words in it, commands and people included', () => {
    expect(artifactMatches(artifact, 'reload sam')).toBe(true);
    expect(artifactMatches(artifact, 'UPDOWN')).toBe(true);
    expect(artifactMatches(artifact, 'ana vlan')).toBe(true);
    expect(artifactMatches(artifact, 'reload nobody')).toBe(false);
    expect(artifactMatches(artifact, '  ')).toBe(true);
  });
});
