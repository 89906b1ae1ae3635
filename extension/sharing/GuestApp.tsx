import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { SessionView } from '../panel/session-view.js';
import type { GuestModel } from './guest-model.js';
import { CopilotPane } from '../copilot/CopilotPane.js';
import { RecordingBar } from '../recordings/RecordingBar.js';
import { SessionBar } from './SessionBar.js';
import { CallView } from '../call/CallView.js';
import { installCallHook } from '../call/call-hook.js';
import { applyCommand, callStatus } from '../call/commands.js';
import { deviceMemory, viewCallControl } from '../call/control.js';
import { CallEngine } from '../call/engine.js';

/** A guest without the extension: ask their name, join, and show the same terminal view. */
export function GuestApp({ model }: { model: GuestModel }) {
  useSyncExternalStore(model.subscribe, model.getVersion);
  const [name, setName] = useState(model.name);
  const { stage, view } = model;
  return (
    <div className="app guest" data-stage={stage}>
      {stage === 'joined' && view !== undefined ? (
        <GuestPane view={view} />
      ) : (
        <main className="body">
          <section className="guest-card" data-testid="guest-card">
            <h2>Join a shared terminal</h2>
            {stage === 'bad-link' && (
              <p className="error" role="alert">
                This link is incomplete — ask the session owner to send it again.
              </p>
            )}
            {(stage === 'name' || stage === 'joining' || stage === 'refused') && (
              <form
                className="form"
                onSubmit={(e) => {
                  e.preventDefault();
                  if (name.trim() !== '') void model.join(name);
                }}
              >
                <label>
                  Your name
                  <input
                    name="name"
                    autoFocus
                    maxLength={64}
                    value={name}
                    onChange={(e) => setName(e.target.value)}
                  />
                </label>
                <div className="actions">
                  <button
                    className="primary"
                    type="submit"
                    disabled={stage === 'joining' || name.trim() === ''}
                  >
                    {stage === 'joining' ? 'Joining…' : 'Join'}
                  </button>
                </div>
              </form>
            )}
            {stage === 'refused' && (
              <p className="error" role="alert" data-testid="refused">
                Could not join: {model.message}
              </p>
            )}
          </section>
        </main>
      )}
    </div>
  );
}

function GuestPane({ view }: { view: SessionView }) {
  const host = useRef<HTMLDivElement>(null);
  // The call floats over the page's corner: it never takes room from the terminal (whose size
  // may be the device's), and hiding it keeps the call going.
  const [call, setCall] = useState<CallEngine>();
  const [callShown, setCallShown] = useState(false);
  useEffect(() => {
    if (call === undefined) return;
    const report = (): void => view.setCallWindow(callStatus(call));
    const stop = call.subscribe(report);
    return () => {
      stop();
      call.dispose();
    };
  }, [call, view]);
  const openCall = (): void => {
    if (call === undefined) {
      const engine = new CallEngine(viewCallControl(view), deviceMemory());
      if (__TANDEM_DEBUG__) installCallHook(engine);
      setCall(engine);
    } else if (call.phase === 'left' || call.phase === 'failed') {
      void call.join();
    }
    setCallShown(true);
  };
  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    el.appendChild(view.terminal.element);
    view.terminal.open();
    requestAnimationFrame(() => view.fit());
  }, [view]);
  const ended = view.state === 'exited' || view.state === 'ended';
  return (
    <div className="pane" style={{ display: 'flex' }} data-session={view.id}>
      <header className="guest-title">
        <strong>{view.info.name}</strong> <span className="hint">{view.info.device.label}</span>
      </header>
      <SessionBar
        view={view}
        call={{ open: openCall, command: (c) => call !== undefined && applyCommand(call, c) }}
      />
      <RecordingBar client={view.transport} info={view.info} owner={view.role === 'owner'} />
      <div className="term-area">
        <div className="term" ref={host} />
        {/* No replay links here: a web page cannot open the extension's pages. */}
        {view.copilot.open && <CopilotPane view={view} />}
      </div>
      {call !== undefined && (
        <div className="guest-call" data-testid="guest-call" hidden={!callShown}>
          <div className="guest-call-title">
            <strong>Call</strong>
            <button className="small" onClick={() => setCallShown(false)}>
              Hide
            </button>
          </div>
          <CallView engine={call} compact />
        </div>
      )}
      {(ended || view.message !== undefined) && (
        <div className={`session-note ${ended ? 'ended' : ''}`} role="status" data-testid="note">
          {ended
            ? `Session ended${view.message === undefined ? '.' : `: ${view.message}`}`
            : view.message}
        </div>
      )}
    </div>
  );
}
