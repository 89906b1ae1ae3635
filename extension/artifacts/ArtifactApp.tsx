import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Resource } from '../../protocol/team.js';
import type { TandemDb } from '../lib/db.js';
import { download } from '../recordings/export.js';
import {
  artifactFileName,
  artifactJson,
  artifactMarkdown,
  replayPath,
  type Artifact,
} from './artifact.js';
import { saveArtifact } from './store.js';
import { procedureFromArtifact } from '../procedures/procedure.js';
import { createProcedure } from '../procedures/store.js';
import { formatDuration } from '../recordings/timeline.js';
import { loadEnrolment } from '../team/team-storage.js';
import { copyArtifact, teamArtifact } from './team-share.js';
import { TeamShare } from './TeamShare.js';
import './artifacts.css';

/** Edits are saved this long after the last keystroke (and at once when leaving a field). */
const SAVE_AFTER_MS = 400;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * One artifact, editable: its title, summary and notes; the evidence (each opens the replay at
 * its moment; any can be dropped); the commands run, with who typed them and when. Exported as
 * Markdown or JSON, copied as Markdown, shared with a team when this browser is enrolled.
 */
export function ArtifactApp({ db, id }: { db: TandemDb; id: number }) {
  const [artifact, setArtifact] = useState<Artifact | null>();
  const [saved, setSaved] = useState<'saved' | 'saving' | 'copied'>('saved');
  const [error, setError] = useState<string>();
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  const latest = useRef<Artifact>(undefined);

  useEffect(() => {
    void db.artifacts.get(id).then((found) => {
      latest.current = found;
      setArtifact(found ?? null);
    });
  }, [db, id]);

  const dirty = useRef(false);
  const flush = (): void => {
    clearTimeout(pending.current);
    const current = latest.current;
    // Leaving a field saves only an edit not saved yet (a save moves `updatedAt`).
    if (current === undefined || !dirty.current) return;
    dirty.current = false;
    saveArtifact(db, current).then(
      (updatedAt) => {
        // What the row now says: a shared copy compares against it.
        if (latest.current !== undefined) {
          latest.current = { ...latest.current, updatedAt };
          setArtifact(latest.current);
        }
        setSaved('saved');
      },
      (e: unknown) => setError(message(e)),
    );
  };
  const edit = (change: Partial<Artifact>): void => {
    if (!artifact) return;
    const next = { ...artifact, ...change };
    dirty.current = true;
    latest.current = next;
    setArtifact(next);
    setSaved('saving');
    clearTimeout(pending.current);
    pending.current = setTimeout(flush, SAVE_AFTER_MS);
  };
  /** A change made elsewhere (the team share), already stored. */
  const stored = (next: Artifact): void => {
    latest.current = { ...(latest.current ?? next), team: next.team };
    setArtifact(latest.current);
  };

  if (artifact === undefined) return <p className="hint artifact-page">Loading…</p>;
  if (artifact === null)
    return (
      <p className="banner error artifact-page" role="alert">
        This artifact no longer exists (it was deleted). Artifacts are listed on the Recordings
        page.
      </p>
    );

  const current = (): Artifact => latest.current ?? artifact;
  return (
    <ArtifactView
      artifact={artifact}
      edit={edit}
      flush={flush}
      replay
      error={error}
      title={
        <input
          className="artifact-title"
          aria-label="Title"
          value={artifact.title}
          onChange={(e) => edit({ title: e.target.value })}
          onBlur={flush}
        />
      }
      status={
        <span className="hint" data-testid="artifact-saved" data-state={saved}>
          {saved === 'saving' ? 'Saving…' : saved === 'copied' ? 'Copied' : 'Saved'}
        </span>
      }
      actions={
        <>
          <ExportButtons
            artifact={current}
            onCopied={() => setSaved('copied')}
            onError={setError}
          />
          <button
            data-testid="artifact-procedure"
            title="Its commands as the steps of a procedure, to edit and run again"
            onClick={() =>
              void createProcedure(db, procedureFromArtifact(current())).then(
                (procedureId) => location.assign(`/procedure.html?id=${procedureId}`),
                (e: unknown) => setError(message(e)),
              )
            }
          >
            Make procedure
          </button>
          <TeamShare
            db={db}
            artifact={current}
            shared={artifact.team}
            pending={saved === 'saving'}
            onShared={stored}
          />
        </>
      }
    />
  );
}

/**
 * A teammate's artifact, as the team relay holds it (`artifact.html?team=<id>`): read only,
 * exported like one's own, and kept as an editable copy with **Save a copy**. Its recording is
 * on their machine: moments show, without replay links.
 */
export function SharedArtifactApp({ db, resourceId }: { db: TandemDb; resourceId: string }) {
  const [shared, setShared] = useState<{ resource: Resource; artifact: Artifact }>();
  const [error, setError] = useState<string>();
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    void loadEnrolment()
      .then((enrolment) => {
        if (enrolment === undefined)
          throw new Error('This browser is not in a team: enrol in Tandem’s options first.');
        return teamArtifact(enrolment, resourceId);
      })
      .then(setShared, (e: unknown) => setError(message(e)));
  }, [resourceId]);

  if (shared === undefined)
    return error === undefined ? (
      <p className="hint artifact-page">Loading…</p>
    ) : (
      <p className="banner error artifact-page" role="alert" data-testid="artifact-error">
        {error}
      </p>
    );
  const { resource, artifact } = shared;
  const from = resource.ownerName ?? 'a former member';
  return (
    <ArtifactView
      artifact={artifact}
      replay={false}
      error={error}
      title={
        <h1 className="artifact-title" data-testid="artifact-title">
          {artifact.title}
        </h1>
      }
      status={
        <span className="hint" data-testid="artifact-shared-by">
          Shared by {from} · {new Date(resource.createdAt).toLocaleDateString()}
        </span>
      }
      actions={
        <>
          <ExportButtons artifact={() => artifact} onCopied={() => undefined} onError={setError} />
          <button
            className="primary"
            data-testid="artifact-save-copy"
            disabled={copied}
            title="Keep it in your own library, to edit and make procedures from"
            onClick={() =>
              void copyArtifact(db, artifact, from).then(
                (id) => {
                  setCopied(true);
                  location.assign(`/artifact.html?id=${id}`);
                },
                (e: unknown) => setError(message(e)),
              )
            }
          >
            Save a copy
          </button>
        </>
      }
    />
  );
}

function ExportButtons({
  artifact,
  onCopied,
  onError,
}: {
  artifact: () => Artifact;
  onCopied: () => void;
  onError: (message: string) => void;
}) {
  const markdown = (): string => artifactMarkdown(artifact(), location.origin);
  return (
    <>
      <button
        data-testid="artifact-copy"
        onClick={() =>
          void navigator.clipboard
            .writeText(markdown())
            .then(onCopied, () => onError('Could not copy: click the page first, then try again'))
        }
      >
        Copy Markdown
      </button>
      <button
        data-testid="artifact-md"
        onClick={() =>
          download(
            new Blob([markdown()], { type: 'text/markdown' }),
            artifactFileName(artifact(), 'md'),
          )
        }
      >
        .md
      </button>
      <button
        data-testid="artifact-json"
        onClick={() =>
          download(
            new Blob([artifactJson(artifact())], { type: 'application/json' }),
            artifactFileName(artifact(), 'json'),
          )
        }
      >
        .json
      </button>
    </>
  );
}

/**
 * An artifact's page: the header (title, status, actions), then its facts, summary, evidence,
 * commands and notes. Editable when given `edit`; with `replay`, moments link to the replay.
 */
function ArtifactView({
  artifact,
  edit,
  flush,
  replay,
  error,
  title,
  status,
  actions,
}: {
  artifact: Artifact;
  edit?: (change: Partial<Artifact>) => void;
  flush?: () => void;
  replay: boolean;
  error: string | undefined;
  title: ReactNode;
  status: ReactNode;
  actions: ReactNode;
}) {
  useEffect(() => {
    document.title = `${artifact.title} — Tandem artifact`;
  }, [artifact.title]);
  const recordingId = replay ? artifact.recordingId : undefined;
  const replayLink = (t: number | undefined) =>
    recordingId === undefined || t === undefined ? (
      <span className="when">{t === undefined ? '' : formatDuration(t)}</span>
    ) : (
      <a
        className="when"
        href={replayPath(recordingId, t)}
        target="_blank"
        rel="noreferrer"
        data-t={t}
        title="Open the replay at this moment"
      >
        ▶ {formatDuration(t)}
      </a>
    );
  const readOnly = edit === undefined;

  return (
    <div className="artifact-page" data-testid="artifact">
      <header className="replay-head">
        {title}
        {status}
        {actions}
      </header>
      {error !== undefined && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <main className="artifact-body">
        <p className="meta">
          {artifact.sessionName} · {artifact.device.label} ·{' '}
          {new Date(artifact.startedAt).toLocaleString()} · {formatDuration(artifact.durationMs)} ·{' '}
          {artifact.participants.map((p) => p.name).join(', ')}
          {recordingId !== undefined && (
            <>
              {' · '}
              <a href={replayPath(recordingId, 0)} target="_blank" rel="noreferrer">
                Replay
              </a>
            </>
          )}
        </p>
        <label className="field">
          <span>Summary</span>
          <textarea
            data-testid="artifact-summary"
            readOnly={readOnly}
            rows={Math.min(16, artifact.summary.split('\n').length + 2)}
            value={artifact.summary}
            onChange={(e) => edit?.({ summary: e.target.value })}
            onBlur={flush}
          />
        </label>
        <section>
          <h2>Evidence ({artifact.evidence.length})</h2>
          {artifact.evidence.length === 0 && (
            <p className="hint">
              {readOnly
                ? 'None picked.'
                : 'Select output in the terminal or the replay and choose “Add to evidence”.'}
            </p>
          )}
          <ul className="evidence" data-testid="artifact-evidence">
            {artifact.evidence.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <div className="evidence-head">
                  {replayLink(e.t)}
                  <span className="spacer" />
                  {!readOnly && (
                    <button
                      className="small"
                      aria-label="Remove this evidence"
                      onClick={() =>
                        edit({ evidence: artifact.evidence.filter((_, j) => j !== i) })
                      }
                    >
                      Remove
                    </button>
                  )}
                </div>
                <pre>{e.text}</pre>
              </li>
            ))}
          </ul>
        </section>
        <section>
          <h2>Commands run ({artifact.commands.length})</h2>
          {artifact.omittedCommands !== undefined && (
            <p className="hint">{artifact.omittedCommands} earlier commands are not listed.</p>
          )}
          <table className="commands" data-testid="artifact-commands">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Command</th>
              </tr>
            </thead>
            <tbody>
              {artifact.commands.map((c, i) => (
                <tr key={`${c.t}-${i}`} data-changes={String(c.changesState)}>
                  <td>
                    <span title={c.at}>{new Date(c.at).toLocaleTimeString()}</span>{' '}
                    {replayLink(c.t)}
                  </td>
                  <td className="who">{c.typedBy.join(', ') || 'someone'}</td>
                  <td>
                    <code>{c.command}</code>
                    {c.exitCode !== undefined && c.exitCode !== 0 && (
                      <span className="exit"> exit {c.exitCode}</span>
                    )}
                    {c.changesState !== false && (
                      <span className="mark" title={c.reason}>
                        {c.changesState === true ? ' changed state' : ' may have changed state'}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {(!readOnly || artifact.notes.trim() !== '') && (
          <label className="field">
            <span>Notes</span>
            <textarea
              data-testid="artifact-notes"
              readOnly={readOnly}
              rows={4}
              placeholder="Anything else worth keeping: the root cause, the ticket, what to watch."
              value={artifact.notes}
              onChange={(e) => edit?.({ notes: e.target.value })}
              onBlur={flush}
            />
          </label>
        )}
      </main>
    </div>
  );
}
