import { useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { useLive } from '../lib/use-live.js';
import { parametersOf, parseProcedure } from './procedure.js';
import { ProcedureRun, type RunSession } from './run.js';
import { allProcedures } from './store.js';
import './procedures.css';

/**
 * Runs a procedure in this terminal, one step at a time: pick it, fill its parameters, then for
 * each step see the command and the output to expect, and Run (typed only now), Skip or Stop.
 */
export function ProcedureRunner({
  db,
  session,
  onClose,
}: {
  db: TandemDb;
  session: RunSession;
  onClose: () => void;
}) {
  const procedures = useLive(() => allProcedures(db), [db], []);
  const [pickedId, setPickedId] = useState<number>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [run, setRun] = useState<ProcedureRun>();
  const [error, setError] = useState<string>();
  const [, tick] = useState(0);

  const picked = procedures?.find((p) => p.id === pickedId) ?? procedures?.[0];
  let parsed: ReturnType<typeof parseProcedure> | undefined;
  let parseError: string | undefined;
  try {
    parsed = picked === undefined ? undefined : parseProcedure(picked.markdown);
  } catch (e) {
    parseError = e instanceof Error ? e.message : String(e);
  }
  const act = (work: () => Promise<void>): void => {
    setError(undefined);
    work().then(
      () => tick((n) => n + 1),
      (e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
        tick((n) => n + 1);
      },
    );
  };

  if (run === undefined) {
    return (
      <section className="procedure-runner" aria-label="Run a procedure" data-testid="runner">
        <header>
          <strong>Run a procedure</strong>
          <span className="spacer" />
          <button className="small icon" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {procedures !== undefined && procedures.length === 0 && (
          <p className="hint">
            No procedures yet: save one from a Copilot draft, an artifact, or the end-session
            checklist, or import one on the Recordings page.
          </p>
        )}
        {picked !== undefined && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (parsed === undefined) return;
              const ready = parsed;
              act(async () => {
                const fresh = new ProcedureRun(ready, picked.version, values, session);
                setRun(fresh);
                await fresh.start();
              });
            }}
          >
            <label>
              Procedure
              <select
                data-testid="runner-pick"
                value={picked.id}
                onChange={(e) => {
                  setPickedId(Number(e.target.value));
                  setValues({});
                }}
              >
                {procedures?.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} (v{p.version})
                  </option>
                ))}
              </select>
            </label>
            {parsed !== undefined &&
              parametersOf(parsed).map((name) => (
                <label key={name}>
                  {name}
                  <input
                    data-parameter={name}
                    value={values[name] ?? ''}
                    onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                  />
                </label>
              ))}
            {parsed !== undefined && (
              <p className="hint">
                {parsed.steps.length} steps. Nothing is typed until you confirm each one.
              </p>
            )}
            {parseError !== undefined && (
              <p className="error-text" role="alert">
                {parseError}
              </p>
            )}
            <div className="actions">
              <button
                type="submit"
                className="primary"
                data-testid="runner-start"
                disabled={parsed === undefined}
              >
                Start
              </button>
            </div>
          </form>
        )}
        {error !== undefined && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </section>
    );
  }

  const steps = run.procedure.steps;
  const step = steps[run.index];
  return (
    <section
      className="procedure-runner"
      aria-label={`Running ${run.procedure.name}`}
      data-testid="runner"
    >
      <header>
        <strong>{run.procedure.name}</strong>
        <span className="hint" data-testid="runner-progress">
          {run.done ? 'done' : `step ${run.index + 1} of ${steps.length}`}
        </span>
        <span className="spacer" />
        <button className="small icon" aria-label="Close" onClick={onClose} disabled={!run.done}>
          ×
        </button>
      </header>
      {!run.done && step !== undefined ? (
        <>
          <div className="step-title">{step.title}</div>
          <div className="runner-label">Will type</div>
          <pre className="runner-command" data-testid="runner-command">
            {run.commands[run.index]}
          </pre>
          {(run.expected[run.index] ?? '') !== '' && (
            <>
              <div className="runner-label">Expect</div>
              <pre className="runner-expected" data-testid="runner-expected">
                {run.expected[run.index]}
              </pre>
            </>
          )}
          <div className="actions">
            <button
              className="primary"
              data-testid="runner-run"
              onClick={() => act(() => run.run())}
            >
              Run step
            </button>
            <button data-testid="runner-skip" onClick={() => act(() => run.skip())}>
              Skip
            </button>
            <button
              className="danger"
              data-testid="runner-stop"
              onClick={() => act(() => run.stop())}
            >
              Stop
            </button>
          </div>
        </>
      ) : (
        <p data-testid="runner-done">
          {run.outcomes.filter((o) => o === 'run').length} run,{' '}
          {run.outcomes.filter((o) => o === 'skipped').length} skipped
          {run.outcomes.length < steps.length
            ? `, stopped before step ${run.outcomes.length + 1}`
            : ''}
          . The run is marked in the recording.
        </p>
      )}
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
