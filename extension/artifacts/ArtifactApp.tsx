import { useEffect, useRef, useState } from 'react';
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
import './artifacts.css';

/** Edits are saved this long after the last keystroke (and at once when leaving a field). */
const SAVE_AFTER_MS = 400;

/**
 * One artifact, editable: its title, summary and notes; the evidence (each opens the replay at
 * its moment; any can be dropped); the commands run, with who typed them and when. Exported as
 * Markdown or JSON, or copied as Markdown.
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
  useEffect(() => {
    if (artifact) document.title = `${artifact.title} — Tandem artifact`;
  }, [artifact]);

  const flush = (): void => {
    clearTimeout(pending.current);
    const current = latest.current;
    if (current === undefined) return;
    saveArtifact(db, current).then(
      () => setSaved('saved'),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  const edit = (change: Partial<Artifact>): void => {
    if (!artifact) return;
    const next = { ...artifact, ...change };
    latest.current = next;
    setArtifact(next);
    setSaved('saving');
    clearTimeout(pending.current);
    pending.current = setTimeout(flush, SAVE_AFTER_MS);
  };

  if (artifact === undefined) return <p className="hint artifact-page">Loading…</p>;
  if (artifact === null)
    return (
      <p className="banner error artifact-page" role="alert">
        This artifact no longer exists (it was deleted). Artifacts are listed on the Recordings
        page.
      </p>
    );

  const { recordingId } = artifact;
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
  const markdown = (): string => artifactMarkdown(latest.current ?? artifact, location.origin);

  return (
    <div className="artifact-page" data-testid="artifact">
      <header className="replay-head">
        <input
          className="artifact-title"
          aria-label="Title"
          value={artifact.title}
          onChange={(e) => edit({ title: e.target.value })}
          onBlur={flush}
        />
        <span className="hint" data-testid="artifact-saved" data-state={saved}>
          {saved === 'saving' ? 'Saving…' : saved === 'copied' ? 'Copied' : 'Saved'}
        </span>
        <button
          data-testid="artifact-copy"
          onClick={() =>
            void navigator.clipboard.writeText(markdown()).then(
              () => setSaved('copied'),
              () => setError('Could not copy: click the page first, then try again'),
            )
          }
        >
          Copy Markdown
        </button>
        <button
          data-testid="artifact-md"
          onClick={() =>
            download(
              new Blob([markdown()], { type: 'text/markdown' }),
              artifactFileName(artifact, 'md'),
            )
          }
        >
          .md
        </button>
        <button
          data-testid="artifact-procedure"
          title="Its commands as the steps of a procedure, to edit and run again"
          onClick={() =>
            void createProcedure(db, procedureFromArtifact(latest.current ?? artifact)).then(
              (procedureId) => location.assign(`/procedure.html?id=${procedureId}`),
              (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
            )
          }
        >
          Make procedure
        </button>
        <button
          data-testid="artifact-json"
          onClick={() =>
            download(
              new Blob([artifactJson(latest.current ?? artifact)], { type: 'application/json' }),
              artifactFileName(artifact, 'json'),
            )
          }
        >
          .json
        </button>
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
            rows={Math.min(16, artifact.summary.split('\n').length + 2)}
            value={artifact.summary}
            onChange={(e) => edit({ summary: e.target.value })}
            onBlur={flush}
          />
        </label>
        <section>
          <h2>Evidence ({artifact.evidence.length})</h2>
          {artifact.evidence.length === 0 && (
            <p className="hint">
              Select output in the terminal or the replay and choose “Add to evidence”.
            </p>
          )}
          <ul className="evidence" data-testid="artifact-evidence">
            {artifact.evidence.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <div className="evidence-head">
                  {replayLink(e.t)}
                  <span className="spacer" />
                  <button
                    className="small"
                    aria-label="Remove this evidence"
                    onClick={() => edit({ evidence: artifact.evidence.filter((_, j) => j !== i) })}
                  >
                    Remove
                  </button>
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
        <label className="field">
          <span>Notes</span>
          <textarea
            data-testid="artifact-notes"
            rows={4}
            placeholder="Anything else worth keeping: the root cause, the ticket, what to watch."
            value={artifact.notes}
            onChange={(e) => edit({ notes: e.target.value })}
            onBlur={flush}
          />
        </label>
      </main>
    </div>
  );
}
