import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { SearchAddon } from '@xterm/addon-search';
import { addEvidence } from '../artifacts/store.js';
import type { TandemDb } from '../lib/db.js';
import { download, exportFileName, exportRecording } from './export.js';
import type { ReplayModel } from './replay-model.js';
import { Timeline } from './Timeline.js';
import { formatBytes, formatDuration, SPEEDS } from './timeline.js';

export function ReplayApp({
  model,
  search,
  db,
}: {
  model: ReplayModel;
  search: SearchAddon;
  /** Where evidence picked here is kept. */
  db: TandemDb;
}) {
  useSyncExternalStore(model.subscribe, model.getVersion);
  const host = useRef<HTMLDivElement>(null);
  const { index, player, error } = model;

  useEffect(() => {
    const el = host.current;
    if (el === null || model.term.element !== undefined) return;
    model.term.open(el);
  }, [model]);

  const state = player?.state;
  return (
    <div className="replay">
      <header className="replay-head">
        <h1>{index?.name ?? 'Recording'}</h1>
        {index !== undefined && (
          <span className="meta">
            {index.device.label} · {new Date(index.startedAt).toLocaleString()} ·{' '}
            {formatDuration(index.durationMs)} · {formatBytes(index.bytes)}
            {index.live ? ' · still recording' : ''}
          </span>
        )}
        <span className="spacer" />
        <CopyButton model={model} />
        <EvidenceButton model={model} db={db} />
        <ExportButtons model={model} />
      </header>
      {error !== undefined && (
        <p className="banner error" role="alert">
          {error}
        </p>
      )}
      <main className="screen">
        <div className="term-host" ref={host} data-testid="replay-terminal" />
        {state?.loading === true && (
          <div className="loading" role="status">
            Loading… {formatBytes(state.loadedBytes)}
          </div>
        )}
        {index === undefined && error === undefined && <p className="hint">Opening recording…</p>}
      </main>
      {index !== undefined && player !== undefined && state !== undefined && (
        <footer className="controls">
          <div className="bar">
            <button
              className="primary play"
              data-testid="play"
              onClick={() => (state.playing ? player.pause() : player.play())}
            >
              {state.playing ? 'Pause' : 'Play'}
            </button>
            <span className="clock" data-testid="clock">
              {formatDuration(state.time)} / {formatDuration(index.durationMs)}
            </span>
            <label>
              Speed{' '}
              <select
                value={state.speed}
                onChange={(e) => player.setSpeed(Number(e.target.value))}
                aria-label="Speed"
              >
                {SPEEDS.map((s) => (
                  <option key={s} value={s}>
                    {s}×
                  </option>
                ))}
              </select>
            </label>
            <span className="spacer" />
            <SearchBox model={model} search={search} />
          </div>
          <Timeline model={model} index={index} />
        </footer>
      )}
    </div>
  );
}

function SearchBox({ model, search }: { model: ReplayModel; search: SearchAddon }) {
  const [query, setQuery] = useState('');
  const result = model.search;
  const jump = async (t: number): Promise<void> => {
    await model.player?.seek(t);
    // Select the match on screen: the user sees it and can copy it.
    search.findPrevious(result.query, { caseSensitive: false });
  };
  return (
    <div className="search">
      <input
        type="search"
        placeholder="Search the recording"
        aria-label="Search the recording"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') void model.find(query);
        }}
      />
      {result.query !== '' && (
        <div className="results" data-testid="search-results">
          <div className="hint">
            {result.running
              ? `Searching… ${Math.round(result.progress * 100)}%`
              : `${result.hits.length} match${result.hits.length === 1 ? '' : 'es'}`}
          </div>
          <ul>
            {result.hits.map((hit, i) => (
              <li key={i}>
                <button className="link" onClick={() => void jump(hit.t)}>
                  <span className="at">{formatDuration(hit.t)}</span> {hit.snippet}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** The selection (or the whole screen) as evidence at this moment of the recording. */
function EvidenceButton({ model, db }: { model: ReplayModel; db: TandemDb }) {
  const [said, setSaid] = useState<string>();
  const index = model.index;
  if (index === undefined || model.player === undefined) return null;
  const player = model.player;
  return (
    <>
      <button
        data-testid="replay-evidence"
        title="Keep the selection (or the whole screen) as evidence for this session's artifact"
        onClick={() => {
          const text = selectionOrScreen(model);
          addEvidence(
            db,
            { sessionId: index.sessionId, recordingId: index.recordingId },
            text,
            player.state.time,
          ).then(
            () => setSaid('Added to evidence'),
            (e: unknown) => setSaid(e instanceof Error ? e.message : String(e)),
          );
          setTimeout(() => setSaid(undefined), 3000);
        }}
      >
        Add to evidence
      </button>
      {said !== undefined && (
        <span className="hint" role="status">
          {said}
        </span>
      )}
    </>
  );
}

/** What is selected on the replay screen, else all of it. */
function selectionOrScreen(model: ReplayModel): string {
  const selection = model.term.getSelection();
  if (selection !== '') return selection;
  model.term.selectAll();
  const text = model.term.getSelection();
  model.term.clearSelection();
  return text;
}

function CopyButton({ model }: { model: ReplayModel }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      title="Copy the selection (select text on the screen first), or the whole screen"
      onClick={() => {
        const text = selectionOrScreen(model);
        void navigator.clipboard.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

function ExportButtons({ model }: { model: ReplayModel }) {
  const [progress, setProgress] = useState<string>();
  const index = model.index;
  if (index === undefined) return null;
  const run = async (format: 'asciicast-v2' | 'native'): Promise<void> => {
    setProgress('0%');
    try {
      const blob = await exportRecording(model.api, index.recordingId, format, (bytes) =>
        setProgress(`${Math.round((bytes / Math.max(1, index.bytes)) * 100)}%`),
      );
      download(blob, exportFileName(index, format));
    } finally {
      setProgress(undefined);
    }
  };
  return (
    <>
      <button disabled={progress !== undefined} onClick={() => void run('asciicast-v2')}>
        Export .cast
      </button>
      <button disabled={progress !== undefined} onClick={() => void run('native')}>
        Export native
      </button>
      {progress !== undefined && <span className="hint">exporting {progress}</span>}
    </>
  );
}
