import { useRef } from 'react';
import type { RecordingIndex } from '../../protocol/index.js';
import { avatarColor, distinctColors } from '../../protocol/index.js';
import type { ReplayModel } from './replay-model.js';
import { formatDuration, percentAt, timeAtX } from './timeline.js';

/**
 * The seek bar: drag anywhere to seek; markers for joins, role changes, pauses and commands;
 * below it the typist lane, one colour per participant.
 */
export function Timeline({ model, index }: { model: ReplayModel; index: RecordingIndex }) {
  const bar = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const player = model.player;
  const time = player?.state.time ?? 0;
  const duration = index.durationMs;
  const names = new Map(index.participants.map((p) => [p.id, p.name]));
  // The live session's colours are not in the recording: its avatar colours, none alike.
  const colors = distinctColors(index.participants.map((p) => p.id));
  const participantColor = (id: string): string => colors.get(id) ?? avatarColor(id);

  const seekAt = (clientX: number): void => {
    const el = bar.current;
    if (el === null || player === undefined) return;
    const rect = el.getBoundingClientRect();
    void player.seek(timeAtX(clientX, rect.left, rect.width, duration));
  };

  return (
    <div className="timeline">
      <div
        className="track"
        ref={bar}
        data-testid="timeline"
        role="slider"
        aria-label="Recording position"
        aria-valuemin={0}
        aria-valuemax={duration}
        aria-valuenow={Math.round(time)}
        aria-valuetext={formatDuration(time)}
        tabIndex={0}
        onPointerDown={(e) => {
          dragging.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          seekAt(e.clientX);
        }}
        onPointerMove={(e) => {
          if (dragging.current) seekAt(e.clientX);
        }}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onKeyDown={(e) => {
          if (player === undefined) return;
          const step = e.shiftKey ? 30_000 : 5000;
          if (e.key === 'ArrowRight') void player.seek(time + step);
          if (e.key === 'ArrowLeft') void player.seek(time - step);
        }}
      >
        <div className="fill" style={{ width: `${percentAt(time, duration)}%` }} />
        {index.markers.map((m, i) => (
          <span
            key={`m${i}`}
            className={`marker kind-${m.kind}`}
            style={{ left: `${percentAt(m.t, duration)}%` }}
            title={`${formatDuration(m.t)} ${m.kind}: ${m.label}`}
          />
        ))}
        {model.activity.commands.map((c, i) => (
          <span
            key={`c${i}`}
            className="marker kind-command"
            style={{ left: `${percentAt(c.t, duration)}%` }}
            title={`${formatDuration(c.t)} ${names.get(c.participantId) ?? c.participantId}: ${c.label}`}
          />
        ))}
        <div className="thumb" style={{ left: `${percentAt(time, duration)}%` }} />
      </div>
      <div className="lane" data-testid="typist-lane" aria-label="Who typed">
        {model.activity.spans.map((s, i) => (
          <span
            key={i}
            className="span"
            data-participant={s.participantId}
            style={{
              left: `${percentAt(s.start, duration)}%`,
              width: `max(3px, ${percentAt(s.end - s.start, duration)}%)`,
              background: participantColor(s.participantId),
            }}
            title={`${names.get(s.participantId) ?? s.participantId} typing at ${formatDuration(s.start)}`}
          />
        ))}
      </div>
      <div className="legend">
        {index.participants.map((p) => (
          <span key={p.id} className="who">
            <span className="swatch" style={{ background: participantColor(p.id) }} />
            {p.name}
          </span>
        ))}
        {model.activity.progress < 1 && (
          <span className="hint">reading input… {Math.round(model.activity.progress * 100)}%</span>
        )}
      </div>
    </div>
  );
}
