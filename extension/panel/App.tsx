import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { PanelModel } from './model.js';
import { EndSession } from './EndSession.js';
import { addEvidence } from '../artifacts/store.js';
import { MemoriesBanner } from '../memories/MemoriesBanner.js';
import { ProcedureRunner } from '../procedures/ProcedureRunner.js';
import type { RunSession } from '../procedures/run.js';
import { procedureFromCopilot } from '../procedures/procedure.js';
import { createProcedure } from '../procedures/store.js';
import { NewTerminal } from './NewTerminal.js';
import type { SessionView } from './session-view.js';
import { WatchGrid } from './WatchGrid.js';
import { CopilotPane } from '../copilot/CopilotPane.js';
import { openReplay } from '../copilot/open-replay.js';
import { SessionBar } from '../sharing/SessionBar.js';
import { liveRecordingsFor, RecordingBar } from '../recordings/RecordingBar.js';
import { RecordingsButton } from '../recordings/RecordingsButton.js';

export function App({ model }: { model: PanelModel }) {
  useSyncExternalStore(model.subscribe, model.getVersion);
  const [showNew, setShowNew] = useState(false);
  const [watching, setWatching] = useState(false);
  /**
   * A session whose end waits for the owner's checklist: asked from the bar, or on closing the
   * tab of a shared session (that would end it for everyone, so never by accident).
   */
  const [ending, setEnding] = useState<string>();
  const endingView = model.sessions.find((s) => s.id === ending);
  const { status } = model;
  const active = model.active;
  const showForm = showNew || (model.synced && model.sessions.length === 0);
  const watch = watching && !showForm && model.sessions.length > 0;

  return (
    <div className="app" data-link={status.state}>
      <header className="tabs">
        <TabStrip
          model={model}
          activeId={showForm ? undefined : active?.id}
          onPick={(id) => {
            setShowNew(false);
            setWatching(false);
            model.activate(id);
          }}
          onClose={(view) => {
            if (othersIn(view) > 0) setEnding(view.id);
            else void model.close(view.id);
          }}
        />
        <div className="tab-actions">
          <button
            className="tab-new"
            aria-label="New terminal"
            title="New terminal"
            onClick={() => setShowNew(true)}
          >
            +
          </button>
          <RecordingsButton />
          {model.sessions.length > 1 && (
            <button
              className={`tab-watch ${watch ? 'active' : ''}`}
              aria-pressed={watch}
              aria-label="Watch up to four sessions at once, read-only"
              title="Watch up to four sessions at once, read-only"
              onClick={() => setWatching(!watch)}
              data-testid="watch-toggle"
            >
              <span aria-hidden="true">◫</span>
              <span className="tab-watch-label">Watch</span>
            </button>
          )}
        </div>
      </header>
      <LinkBanner model={model} />
      {model.notice !== undefined && (
        <section className="banner error" role="alert">
          <p>{model.notice}</p>
          <div className="actions">
            <button onClick={() => model.setNotice(undefined)}>Dismiss</button>
          </div>
        </section>
      )}
      {endingView !== undefined && (
        <EndSession
          view={endingView}
          db={model.db}
          others={othersIn(endingView)}
          openPage={openReplay}
          onEnd={() => {
            setEnding(undefined);
            void model.close(endingView.id);
          }}
          onKeep={() => setEnding(undefined)}
        />
      )}
      <main className="body">
        {watch ? (
          <WatchGrid
            views={model.sessions}
            onOpen={(id) => {
              setWatching(false);
              model.activate(id);
            }}
          />
        ) : (
          model.sessions.map((s) => (
            <TerminalPane
              key={s.id}
              view={s}
              model={model}
              visible={!showForm && s === active}
              onEndSession={() => setEnding(s.id)}
            />
          ))
        )}
        {showForm && status.state === 'connected' && (
          <NewTerminal
            model={model}
            onOpened={() => setShowNew(false)}
            {...(model.sessions.length > 0 ? { onCancel: () => setShowNew(false) } : {})}
          />
        )}
        {!model.synced && status.state === 'connecting' && (
          <p className="center hint">Connecting to the Tandem agent…</p>
        )}
      </main>
      <StatusLine model={model} view={showForm ? undefined : active} />
    </div>
  );
}

/**
 * How many other people are in a session this panel would end by closing its tab: the owner's
 * own live sessions only (leaving a joined session ends nothing for the others).
 */
function othersIn(view: SessionView): number {
  if (view.remote || view.state === 'ended' || view.state === 'exited') return 0;
  return view.presence.present.filter((p) => !p.local).length;
}

/**
 * The sessions as tabs in a strip that scrolls sideways when they do not fit, so the actions
 * beside it (+, recordings, Watch) stay on screen at any panel width. Arrow keys move between
 * tabs, Enter or Space opens one, Delete closes it.
 */
function TabStrip({
  model,
  activeId,
  onPick,
  onClose,
}: {
  model: PanelModel;
  activeId: string | undefined;
  onPick: (id: string) => void;
  /** The close button's click: the caller asks first when closing would end it for others. */
  onClose: (view: SessionView) => void;
}) {
  const strip = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const tab = strip.current?.querySelector('.tab.active');
    if (tab instanceof HTMLElement) tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeId, model.sessions.length]);
  const focusTab = (index: number): void => {
    const tabs = strip.current?.querySelectorAll<HTMLElement>('[role="tab"]');
    if (tabs === undefined || tabs.length === 0) return;
    tabs[(index + tabs.length) % tabs.length]?.focus();
  };
  return (
    <div className="tab-strip" role="tablist" aria-label="Sessions" ref={strip}>
      {model.sessions.map((s, i) => (
        <div
          key={s.id}
          role="tab"
          tabIndex={s.id === activeId || (activeId === undefined && i === 0) ? 0 : -1}
          aria-selected={s.id === activeId}
          className={`tab ${s.id === activeId ? 'active' : ''} state-${s.state}`}
          onClick={() => onPick(s.id)}
          onKeyDown={(e) => {
            if (e.target !== e.currentTarget) return;
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onPick(s.id);
            } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
              e.preventDefault();
              focusTab(i + (e.key === 'ArrowRight' ? 1 : -1));
            } else if (e.key === 'Delete') {
              // The close button's own click, so closing asks whatever the button asks.
              e.preventDefault();
              e.currentTarget.querySelector<HTMLElement>('.tab-close')?.click();
            }
          }}
          title={s.info.device.label}
        >
          <span className={`dot ${s.state}`} />
          <span className="tab-name">{s.info.name}</span>
          <button
            className="tab-close"
            tabIndex={-1}
            aria-label={`Close ${s.info.name}`}
            title={`Close ${s.info.name} (Delete)`}
            onClick={(e) => {
              e.stopPropagation();
              onClose(s);
            }}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

function LinkBanner({ model }: { model: PanelModel }) {
  const { status } = model;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, []);
  if (status.state === 'not_installed') {
    const command = `cd ${__TANDEM_REPO__} && npm install && npx tandem-agent register`;
    return (
      <section className="banner error" role="alert" data-testid="agent-missing">
        <h3>The Tandem agent is not installed</h3>
        <p>
          Tandem needs its local agent to open terminals. Run this in a terminal, then check again:
        </p>
        <pre className="command">{command}</pre>
        <p className="hint">
          Using a separate Chromium profile? Add <code>--user-data-dir &lt;that profile&gt;</code>{' '}
          to the register command.
        </p>
        <div className="actions">
          <button onClick={() => void navigator.clipboard.writeText(command)}>Copy command</button>
          <button className="primary" onClick={() => model.client.retry()}>
            Check again
          </button>
        </div>
      </section>
    );
  }
  if (status.state === 'disconnected') {
    const seconds =
      status.retryAt === undefined ? 0 : Math.max(0, Math.ceil((status.retryAt - now) / 1000));
    return (
      <section className="banner warn" role="alert" data-testid="agent-down">
        <strong>Agent connection lost.</strong> {status.message}{' '}
        <span className="hint">{seconds > 0 ? `Retrying in ${seconds} s.` : 'Retrying…'}</span>{' '}
        <button className="link" onClick={() => model.client.retry()}>
          Retry now
        </button>
        <div className="hint">
          If it keeps failing, run <code>npx tandem-agent status</code> and see
          ~/.local/state/tandem/agent.log.
        </div>
      </section>
    );
  }
  return null;
}

function TerminalPane({
  view,
  model,
  visible,
  onEndSession,
}: {
  view: SessionView;
  model: PanelModel;
  visible: boolean;
  onEndSession: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [finding, setFinding] = useState(false);
  const [query, setQuery] = useState('');
  const [menu, setMenu] = useState<{ x: number; y: number }>();
  /** The procedure runner, open above the terminal. */
  const [running, setRunning] = useState(false);
  /** What adding evidence said, for a moment. */
  const [kept, setKept] = useState<string>();
  useEffect(() => {
    if (kept === undefined) return;
    const timer = setTimeout(() => setKept(undefined), 3000);
    return () => clearTimeout(timer);
  }, [kept]);
  const keepEvidence = (): void => {
    const { recordingId, createdAt } = view.info;
    // The recording starts with the session: now, in its time, is when this was on screen.
    const t = recordingId === undefined ? undefined : Date.now() - Date.parse(createdAt);
    addEvidence(
      model.db,
      { sessionId: view.id, ...(recordingId === undefined ? {} : { recordingId }) },
      view.terminal.term.getSelection(),
      t,
    ).then(
      () => setKept('Added to the session’s evidence'),
      (error: unknown) => setKept(error instanceof Error ? error.message : String(error)),
    );
  };

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    el.appendChild(view.terminal.element);
    view.terminal.open();
    const term = view.terminal.term;
    const copy = (): void => {
      const text = term.getSelection();
      if (text !== '') void navigator.clipboard.writeText(text).catch(() => undefined);
    };
    const sel = term.onSelectionChange(copy);
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.shiftKey && e.code === 'KeyF') {
        setFinding(true);
        return false;
      }
      if (mod && e.shiftKey && e.code === 'KeyC') {
        copy();
        return false;
      }
      if (mod && (e.key === '=' || e.key === '+')) {
        void model.zoom(1);
        return false;
      }
      if (mod && e.key === '-') {
        void model.zoom(-1);
        return false;
      }
      if (mod && e.key === '0') {
        void model.zoom('reset');
        return false;
      }
      return true;
    });
    return () => sel.dispose();
  }, [view, model]);

  useEffect(() => {
    if (visible) requestAnimationFrame(() => view.fit());
  }, [visible, view]);

  const paste = async (): Promise<void> => {
    try {
      view.terminal.term.paste(await navigator.clipboard.readText());
    } catch {
      // Reading the clipboard needs focus; Ctrl+Shift+V always works.
    }
    view.terminal.term.focus();
  };

  const ended = view.state === 'exited' || view.state === 'ended';
  return (
    <div className="pane" style={{ display: visible ? 'flex' : 'none' }} data-session={view.id}>
      <SessionBar
        view={view}
        {...(view.remote || ended ? {} : { onEndSession })}
        {...(ended || view.role === 'viewer' ? {} : { onRunProcedure: () => setRunning(true) })}
        call={{
          open: () => void model.calls.open(view),
          command: (c) => model.calls.command(view.id, c),
        }}
      />
      <RecordingBar client={view.transport} info={view.info} owner={view.role === 'owner'} />
      {view.memories !== undefined && <MemoriesBanner memories={view.memories} />}
      {running && (
        <ProcedureRunner
          db={model.db}
          session={procedureSession(view)}
          onClose={() => setRunning(false)}
        />
      )}
      {finding && (
        <div className="findbar">
          <input
            autoFocus
            placeholder="Find in scrollback"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              view.terminal.search.findNext(e.target.value, { incremental: true });
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                if (e.shiftKey) view.terminal.search.findPrevious(query);
                else view.terminal.search.findNext(query);
              } else if (e.key === 'Escape') {
                setFinding(false);
                view.terminal.search.clearDecorations();
                view.terminal.term.focus();
              }
            }}
          />
          <button
            onClick={() => view.terminal.search.findPrevious(query)}
            aria-label="Previous match"
          >
            ↑
          </button>
          <button onClick={() => view.terminal.search.findNext(query)} aria-label="Next match">
            ↓
          </button>
          <button onClick={() => setFinding(false)} aria-label="Close find">
            ×
          </button>
        </div>
      )}
      <div className="term-area">
        <div
          className="term"
          ref={host}
          onContextMenu={(e) => {
            e.preventDefault();
            setMenu({ x: e.clientX, y: e.clientY });
          }}
          onClick={() => setMenu(undefined)}
        />
        {view.copilot.open && (
          <CopilotPane
            view={view}
            links={{ openReplay }}
            saveProcedure={(draft) =>
              void createProcedure(
                model.db,
                procedureFromCopilot(draft, view.info.device.label),
              ).then(
                (id) => openReplay(`/procedure.html?id=${id}`),
                (error: unknown) => {
                  view.message = error instanceof Error ? error.message : String(error);
                  model.emit();
                },
              )
            }
          />
        )}
      </div>
      {menu !== undefined && (
        <ul
          className="menu"
          style={{ left: menu.x, top: menu.y }}
          onMouseLeave={() => setMenu(undefined)}
        >
          {(
            [
              ['Copy', () => void navigator.clipboard.writeText(view.terminal.term.getSelection())],
              ['Paste', () => void paste()],
              // The owner's own sessions: artifacts are made from the owner's recordings.
              ...(view.remote ? [] : ([['Add to evidence', keepEvidence]] as const)),
              ...(view.memories?.target === undefined
                ? []
                : ([
                    [
                      'Save as memory…',
                      () => view.memories?.open(view.terminal.term.getSelection()),
                    ],
                  ] as const)),
              ['Find…', () => setFinding(true)],
              ['Zoom in', () => void model.zoom(1)],
              ['Zoom out', () => void model.zoom(-1)],
              ['Reset zoom', () => void model.zoom('reset')],
              ['Clear scrollback', () => view.terminal.term.clear()],
            ] as const
          ).map(([label, action]) => (
            <li key={label}>
              <button
                onClick={() => {
                  setMenu(undefined);
                  action();
                }}
              >
                {label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {kept !== undefined && (
        <div className="session-note" role="status" data-testid="evidence-note">
          {kept}
        </div>
      )}
      {(ended || view.message !== undefined) && (
        <div className={`session-note ${ended ? 'ended' : ''}`} role="status">
          {ended
            ? `Session ended${view.message === undefined ? '.' : `: ${view.message}`}`
            : view.message}
          {ended && view.reopen !== undefined && !view.remote && (
            <button
              className="link"
              data-testid="reconnect"
              onClick={() =>
                void model.reconnect(view).catch((error: unknown) => {
                  view.message = error instanceof Error ? error.message : String(error);
                  model.emit();
                })
              }
            >
              Reconnect
            </button>
          )}
          {ended && (
            <button className="link" onClick={() => void model.close(view.id)}>
              Close tab
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** How a procedure run types into this session and marks its recording. */
function procedureSession(view: SessionView): RunSession {
  return {
    type: (text) => view.terminal.term.input(text, true),
    mark: async (label) => {
      const live = liveRecordingsFor(view.transport).get(view.id)?.state ?? view.info.recording;
      // Not recorded (recording was off when it opened): the run goes on, unmarked.
      if (live === 'off') return;
      await view.transport.request('recording.mark', { sessionId: view.id, label });
    },
  };
}

/**
 * The device as the narrow status line shows it: a serial port by its name, not its folder
 * (`/dev/serial/by-id/usb-FTDI_…-port0 115200 8N1` would show only its folders at 320 px); the
 * whole label is the tooltip.
 */
function statusDeviceLabel(device: { kind: string; label: string }): string {
  return device.kind === 'serial' ? device.label.replace(/^\S*\//, '') : device.label;
}

function StatusLine({ model, view }: { model: PanelModel; view: SessionView | undefined }) {
  const { status } = model;
  const linkText =
    status.state === 'connected'
      ? `agent ${status.agentVersion ?? ''} · ${model.latencyMs === undefined ? '–' : `${model.latencyMs.toFixed(1)} ms`}`
      : status.state === 'not_installed'
        ? 'agent not installed'
        : status.state === 'disconnected'
          ? 'agent unreachable'
          : 'connecting…';
  return (
    <footer className="statusline" data-testid="statusline">
      {view !== undefined ? (
        <>
          <span className="device" title={view.info.device.label}>
            {statusDeviceLabel(view.info.device)}
          </span>
          <span className={`state ${view.state}`}>{view.state}</span>
          {view.info.device.kind !== 'serial' && (
            <span>
              {view.terminal.term.cols}×{view.terminal.term.rows}
            </span>
          )}
        </>
      ) : (
        <span className="device">Tandem</span>
      )}
      <span className={`link link-${status.state}`}>{linkText}</span>
    </footer>
  );
}
