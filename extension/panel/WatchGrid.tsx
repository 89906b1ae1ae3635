import { useEffect, useRef } from 'react';
import type { SessionView } from './session-view.js';

/** The watch view shows at most this many sessions at once (2 × 2). */
export const WATCH_MAX = 4;

/**
 * For incident commanders: up to four sessions side by side, read-only, each at its device's
 * size scaled into its cell. Nothing typed here reaches a device.
 */
export function WatchGrid({ views }: { views: SessionView[] }) {
  const shown = views.slice(0, WATCH_MAX);
  return (
    <div className={`watch-grid watch-${shown.length}`} data-testid="watch-grid">
      {shown.map((view) => (
        <WatchCell key={view.id} view={view} />
      ))}
    </div>
  );
}

function WatchCell({ view }: { view: SessionView }) {
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
        <span className="watch-name">{view.info.name}</span>
        <span className="watch-meta">
          {typing.length > 0 ? `${typing.join(', ')} typing…` : view.info.device.label}
        </span>
      </header>
      <div className="watch-term" ref={host} />
    </section>
  );
}
