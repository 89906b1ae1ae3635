import { useEffect, useRef } from 'react';
import type { SessionView } from './session-view.js';

/** The watch view shows at most this many sessions at once (2 × 2). */
export const WATCH_MAX = 4;

/**
 * For incident commanders: up to four sessions side by side (one column in a narrow panel),
 * read-only, each at its device's size scaled into its cell but never below a legible text
 * size: a cell then crops and follows the cursor's row. Nothing typed here reaches a device;
 * a cell's title opens that session.
 */
export function WatchGrid({
  views,
  onOpen,
}: {
  views: SessionView[];
  onOpen: (id: string) => void;
}) {
  const shown = views.slice(0, WATCH_MAX);
  return (
    <div className={`watch-grid watch-${shown.length}`} data-testid="watch-grid">
      {shown.map((view) => (
        <WatchCell key={view.id} view={view} onOpen={() => onOpen(view.id)} />
      ))}
    </div>
  );
}

function WatchCell({ view, onOpen }: { view: SessionView; onOpen: () => void }) {
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    view.setWatching(true);
    el.appendChild(view.terminal.element);
    view.terminal.open();
    requestAnimationFrame(() => view.fit());
    return () => view.setWatching(false);
  }, [view]);

  const typing = view.presence.participants.filter((p) => p.typing).map((p) => p.name);
  return (
    <section
      className="watch-cell"
      data-session={view.id}
      aria-label={`Watching ${view.info.name}`}
    >
      <header className="watch-title">
        <span className={`dot ${view.state}`} />
        <button
          className="watch-name"
          onClick={onOpen}
          title={`Open ${view.info.name}`}
          aria-label={`Open ${view.info.name}`}
        >
          {view.info.name}
        </button>
        <span className="watch-meta">
          {typing.length > 0 ? `${typing.join(', ')} typing…` : view.info.device.label}
        </span>
      </header>
      <div className="watch-term" ref={host} />
    </section>
  );
}
