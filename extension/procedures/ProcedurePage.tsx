import { useEffect, useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { download } from '../recordings/export.js';
import {
  parametersOf,
  parseProcedure,
  type ParsedProcedure,
  type Procedure,
  type ProcedureVersion,
} from './procedure.js';
import { deleteProcedure, saveProcedure, versionsOf } from './store.js';
import '../artifacts/artifacts.css';
import './procedures.css';

/**
 * One procedure: its Markdown to edit beside the steps it makes, every earlier version (each
 * save keeps the one before), export as Markdown, delete.
 */
export function ProcedurePage({ db, id }: { db: TandemDb; id: number }) {
  const [procedure, setProcedure] = useState<Procedure | null>();
  const [text, setText] = useState('');
  const [versions, setVersions] = useState<ProcedureVersion[]>([]);
  const [viewing, setViewing] = useState<ProcedureVersion>();
  const [confirming, setConfirming] = useState(false);
  const [note, setNote] = useState<string>();
  useEffect(() => {
    void db.procedures.get(id).then((found) => {
      setProcedure(found ?? null);
      setText(found?.markdown ?? '');
    });
    void versionsOf(db, id).then(setVersions);
  }, [db, id]);
  useEffect(() => {
    if (procedure) document.title = `${procedure.name} — Tandem procedure`;
  }, [procedure]);

  if (procedure === undefined) return <p className="hint">Loading…</p>;
  if (procedure === null)
    return (
      <p className="banner error" role="alert">
        This procedure no longer exists (it was deleted). Procedures are listed on the Recordings
        page.
      </p>
    );

  let parsed: ParsedProcedure | undefined;
  let problem: string | undefined;
  try {
    parsed = parseProcedure(text);
  } catch (e) {
    problem = e instanceof Error ? e.message : String(e);
  }
  const save = async (markdown: string): Promise<void> => {
    try {
      const saved = await saveProcedure(db, id, markdown);
      setProcedure(saved);
      setText(saved.markdown);
      setVersions(await versionsOf(db, id));
      setNote(`Saved as version ${saved.version}`);
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    }
  };
  const changed = text !== procedure.markdown;
  return (
    <div className="artifact-page procedure-page" data-testid="procedure">
      <header className="replay-head">
        <h1>{procedure.name}</h1>
        <span className="hint" data-testid="procedure-version">
          version {procedure.version}
          {changed ? ' · edited, not saved' : ''}
        </span>
        <span className="spacer" />
        <button
          className="primary"
          data-testid="procedure-save"
          disabled={!changed || parsed === undefined}
          onClick={() => void save(text)}
        >
          Save
        </button>
        <button
          data-testid="procedure-export"
          onClick={() =>
            download(
              new Blob([procedure.markdown], { type: 'text/markdown' }),
              `${procedure.name.replace(/[^\w.-]+/g, '-') || 'procedure'}.procedure.md`,
            )
          }
        >
          .md
        </button>
        {confirming ? (
          <button
            className="danger"
            onClick={() =>
              void deleteProcedure(db, id).then(() => {
                setProcedure(null);
              })
            }
          >
            Delete for good
          </button>
        ) : (
          <button onClick={() => setConfirming(true)}>Delete</button>
        )}
      </header>
      {note !== undefined && (
        <p className="hint" role="status" data-testid="procedure-note">
          {note}
        </p>
      )}
      <main className="artifact-body editor">
        <label className="field">
          <span>Markdown</span>
          <textarea
            data-testid="procedure-text"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <section aria-label="Steps" data-testid="procedure-steps">
          {problem !== undefined && (
            <p className="error-text" role="alert">
              {problem}
            </p>
          )}
          {parsed !== undefined && (
            <>
              <h2>Parameters</h2>
              <p className="hint">
                {parametersOf(parsed).length === 0
                  ? 'none'
                  : parametersOf(parsed)
                      .map((p) => `{{${p}}}`)
                      .join(', ')}
              </p>
              <h2>Steps ({parsed.steps.length})</h2>
              <ol>
                {parsed.steps.map((step, i) => (
                  <li key={i}>
                    <strong>{step.title}</strong>
                    <pre className="runner-command">{step.command}</pre>
                    {step.expected !== '' && <pre className="runner-expected">{step.expected}</pre>}
                  </li>
                ))}
              </ol>
            </>
          )}
          <h2>Earlier versions ({versions.length})</h2>
          <ul className="evidence" data-testid="procedure-versions">
            {versions.map((v) => (
              <li key={v.id} data-version={v.version}>
                <div className="evidence-head">
                  version {v.version} · {new Date(v.savedAt).toLocaleString()}
                  <span className="spacer" />
                  <button
                    className="small"
                    onClick={() => setViewing(viewing?.id === v.id ? undefined : v)}
                  >
                    {viewing?.id === v.id ? 'Hide' : 'View'}
                  </button>
                  <button className="small" onClick={() => void save(v.markdown)}>
                    Restore
                  </button>
                </div>
                {viewing?.id === v.id && <pre>{v.markdown}</pre>}
              </li>
            ))}
          </ul>
        </section>
      </main>
    </div>
  );
}
