import { useEffect, useState, useSyncExternalStore } from 'react';
import type { TandemDb } from '../lib/db.js';
import type { Artifact } from '../artifacts/artifact.js';
import { artifactOf, createArtifact } from '../artifacts/store.js';
import { procedureFromCopilot } from '../procedures/procedure.js';
import { createProcedure } from '../procedures/store.js';
import { download, exportFileName, exportRecording } from '../recordings/export.js';
import { liveRecordingsFor } from '../recordings/RecordingBar.js';
import type { SessionView } from './session-view.js';

/** One row of the checklist: done or not, what it is, and its one button. */
interface Step {
  key: string;
  label: string;
  done: boolean;
  detail: string;
  action?: { label: string; run: () => Promise<void>; disabled?: boolean };
}

/**
 * The owner's way out of a session: the steps that close it properly as a checklist, each one
 * click, those already done ticked; the last one ends it for everyone (every link revoked, every
 * guest let go with the reason, any call ended).
 */
export function EndSession({
  view,
  db,
  others,
  openPage,
  onEnd,
  onKeep,
}: {
  view: SessionView;
  db: TandemDb;
  /** How many other people are in the session now. */
  others: number;
  /** Opens one of the extension's pages in a tab (an artifact, the library). */
  openPage: (path: string) => void;
  onEnd: () => void;
  onKeep: () => void;
}) {
  const store = liveRecordingsFor(view.transport);
  useSyncExternalStore(store.subscribe, store.getVersion);
  const [artifact, setArtifact] = useState<Artifact>();
  const [evidence, setEvidence] = useState(0);
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let live = true;
    void Promise.all([
      artifactOf(db, view.id),
      db.evidence.where('sessionId').equals(view.id).count(),
    ]).then(([found, count]) => {
      if (!live) return;
      setArtifact(found);
      setEvidence(count);
    });
    return () => {
      live = false;
    };
  }, [db, view.id]);

  useEffect(() => {
    // Escape keeps the session wherever focus is (a step's button may have just disabled).
    const keep = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onKeep();
    };
    document.addEventListener('keydown', keep);
    return () => document.removeEventListener('keydown', keep);
  }, [onKeep]);

  const recordingId = view.info.recordingId;
  const recording = store.get(view.id)?.state ?? view.info.recording;
  const recorded = recordingId !== undefined && recording !== 'off';
  const run = async (key: string, work: () => Promise<void>): Promise<void> => {
    setBusy(key);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(undefined);
    }
  };

  const steps: Step[] = [
    {
      key: 'recording',
      label: 'Save the recording',
      done: recorded,
      detail: recorded
        ? `Recorded${recording === 'paused' ? ' (paused now)' : ''}: it stays in your library, with who typed what.`
        : 'This session is not recorded (recording was off when it opened).',
      ...(recordingId === undefined
        ? {}
        : {
            action: {
              label: 'Download .cast',
              run: async () => {
                const blob = await exportRecording(view.transport, recordingId, 'asciicast-v2');
                download(
                  blob,
                  exportFileName(
                    { name: view.info.name, startedAt: view.info.createdAt },
                    'asciicast-v2',
                  ),
                );
              },
            },
          }),
    },
    {
      key: 'artifact',
      label: 'Create an artifact',
      done: artifact !== undefined,
      detail:
        artifact !== undefined
          ? `“${artifact.title}”: summary, ${artifact.evidence.length} evidence, ${artifact.commands.length} commands.`
          : recordingId === undefined
            ? 'Needs the recording: the commands and who typed them come from it.'
            : `The summary, the commands run with who typed them${evidence > 0 ? `, and the ${evidence} evidence you picked` : ''}.`,
      ...(recordingId === undefined
        ? {}
        : {
            action:
              artifact?.id !== undefined
                ? {
                    label: 'Open',
                    run: () => Promise.resolve(openPage(`/artifact.html?id=${artifact.id}`)),
                  }
                : {
                    label: 'Create artifact',
                    run: async () => {
                      const draft = await view.transport.request(
                        'artifact.draft',
                        { recordingId },
                        30_000,
                      );
                      setArtifact(await createArtifact(db, draft));
                    },
                  },
          }),
    },
  ];
  const memories = view.memories;
  if (memories?.target !== undefined) {
    const saved = memories.savedHere;
    steps.push({
      key: 'memory',
      label: 'Save what you learned',
      done: saved > 0,
      detail:
        saved > 0
          ? `${saved} ${saved === 1 ? 'memory' : 'memories'} saved about ${memories.target.label}: shown whenever it is opened again.`
          : `A finding about ${memories.target.label} worth knowing next time, shown whenever it is opened again.`,
      action: {
        label: saved > 0 ? 'Add another' : 'Add memory',
        run: () => Promise.resolve(memories.open()),
        disabled: memories.draft !== undefined,
      },
    });
  }

  const procedureId = view.savedProcedureId;
  steps.push({
    key: 'procedure',
    label: 'Promote to a procedure',
    done: procedureId !== undefined,
    detail:
      procedureId !== undefined
        ? 'Saved: edit it, then run it step by step in any terminal.'
        : 'The commands that worked, as steps to run again, with parameters for what differs.',
    action:
      procedureId !== undefined
        ? {
            label: 'Open',
            run: () => Promise.resolve(openPage(`/procedure.html?id=${procedureId}`)),
          }
        : {
            label: 'Make procedure',
            run: async () => {
              const { entry } = await view.transport.request('copilot.ask', {
                sessionId: view.id,
                action: 'procedure',
              });
              if (entry.procedure === undefined || entry.procedure.steps.length === 0)
                throw new Error(
                  'No command succeeded in this session yet: nothing to make steps of',
                );
              view.savedProcedureId = await createProcedure(
                db,
                procedureFromCopilot(entry.procedure, view.info.device.label),
              );
            },
          },
  });
  return (
    <section
      className="banner end-session"
      role="dialog"
      aria-label={`End ${view.info.name}`}
      data-testid="confirm-end"
    >
      <p className="end-lead">
        {others > 0 ? (
          <>
            <strong>{others + 1} people are in this session.</strong> Ending “{view.info.name}”
            disconnects everyone, revokes every invite link and ends any call.
          </>
        ) : (
          <>
            <strong>End “{view.info.name}”?</strong> Before you go:
          </>
        )}
      </p>
      <ol className="checklist" data-testid="end-checklist">
        {steps.map((step) => (
          <li key={step.key} data-step={step.key} data-done={step.done}>
            <span className={`check ${step.done ? 'done' : ''}`} aria-hidden="true">
              {step.done ? '✓' : ''}
            </span>
            <div className="step-text">
              <span className="step-label">
                {step.label}
                <span className="sr-only">{step.done ? ' (done)' : ' (not done)'}</span>
              </span>
              <span className="hint">{step.detail}</span>
            </div>
            {step.action !== undefined && (
              <button
                className="small"
                data-testid={`end-${step.key}`}
                disabled={busy !== undefined || step.action.disabled === true}
                onClick={() => void run(step.key, step.action?.run ?? (() => Promise.resolve()))}
              >
                {busy === step.key ? '…' : step.action.label}
              </button>
            )}
          </li>
        ))}
        <li data-step="end" data-done="false">
          <span className="check" aria-hidden="true" />
          <div className="step-text">
            <span className="step-label">End the session</span>
            <span className="hint">
              {others > 0
                ? 'Guests are told the owner ended it; their links stop working.'
                : 'The device closes; the recording and artifact stay.'}
            </span>
          </div>
        </li>
      </ol>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button className="danger" data-testid="confirm-end-session" onClick={onEnd}>
          {others > 0 ? 'End for everyone' : 'End session'}
        </button>
        <button autoFocus data-testid="keep-session" onClick={onKeep}>
          Keep it open
        </button>
      </div>
    </section>
  );
}
