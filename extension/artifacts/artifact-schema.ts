/**
 * An artifact as JSON from outside this browser (a teammate's, through the team relay): parsed,
 * never trusted as is. The same fields `artifactJson` writes.
 */
import { z } from 'zod';
import { ROLES } from '../../protocol/roles.js';
import { ARTIFACT_SCHEMA, MAX_EVIDENCE_CHARS, type Artifact } from './artifact.js';

const text = (max: number) => z.string().max(max);
const when = z.string().max(64);

const artifactSchema = z.object({
  tandem: z.literal('artifact'),
  schema: z.literal(ARTIFACT_SCHEMA),
  title: text(256),
  sessionId: text(64),
  recordingId: text(128).optional(),
  sessionName: text(256),
  device: z.object({ kind: z.enum(['pty', 'ssh', 'serial', 'echo']), label: text(512) }),
  startedAt: when,
  durationMs: z.number().nonnegative(),
  participants: z.array(z.object({ name: text(64), role: z.enum(ROLES).optional() })).max(1000),
  summary: text(100_000),
  evidence: z
    .array(
      z.object({
        text: text(MAX_EVIDENCE_CHARS),
        t: z.number().nonnegative().optional(),
        at: when,
      }),
    )
    .max(1000),
  commands: z
    .array(
      z.object({
        command: text(4096),
        typedBy: z.array(text(64)).max(64),
        at: when,
        t: z.number().nonnegative(),
        changesState: z.boolean().nullable(),
        reason: text(512),
        exitCode: z.number().int().optional(),
      }),
    )
    .max(5000),
  omittedCommands: z.number().int().nonnegative().optional(),
  notes: text(100_000),
  createdAt: when,
  updatedAt: when,
});

/** An artifact from JSON, or an error that says it is not one Tandem can read. */
export function parseArtifact(value: unknown): Artifact {
  const parsed = artifactSchema.safeParse(value);
  if (!parsed.success) throw new Error('This is not an artifact this version of Tandem can read.');
  const { tandem: _tandem, ...artifact } = parsed.data;
  return dropUndefined(artifact);
}

/** Optional fields left out rather than present and undefined (the stored rows' shape). */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
