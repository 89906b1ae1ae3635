import { CallView } from './CallView.js';
import type { CallEngine } from './engine.js';

/** The pop-out window: the session's name and the full call. */
export function CallWindow({ engine, title }: { engine: CallEngine; title: string }) {
  return (
    <div className="call-window">
      <header className="call-window-title">
        <strong>{title}</strong> <span>call</span>
      </header>
      <CallView engine={engine} />
    </div>
  );
}
