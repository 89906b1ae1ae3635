import { useState } from 'react';
import { MEMORY_MAX_CHARS } from './memory.js';
import type { SessionMemories } from './session-memories.js';
import './memories.css';

/** Memories shown before "Show all". */
const FOLDED = 3;

/**
 * Above the owner's terminal: what was remembered about this device, each dismissible for this
 * session, and the form that saves a new memory (opened from the terminal's menu, a Copilot
 * answer or the end-session checklist).
 */
export function MemoriesBanner({ memories }: { memories: SessionMemories }) {
  const [all, setAll] = useState(false);
  const target = memories.target;
  if (target === undefined) return null;
  const shown = memories.shown;
  const listed = all ? shown : shown.slice(0, FOLDED);
  return (
    <>
      {memories.draft !== undefined && (
        <MemoryForm key="form" memories={memories} label={target.label} />
      )}
      {shown.length > 0 && (
        <section
          className="memories-banner"
          aria-label={`Remembered about ${target.label}`}
          data-testid="memories"
        >
          <header>
            <strong title={target.label}>Remembered about {target.label}</strong>
            <span className="spacer" />
            <button className="small" onClick={() => memories.open()}>
              Add
            </button>
            <button
              className="small"
              data-testid="memories-hide"
              title="Hide these memories in this session (they stay saved; the Copilot no longer gets them)"
              onClick={() =>
                memories.dismiss(shown.flatMap((m) => (m.id === undefined ? [] : [m.id])))
              }
            >
              Hide
            </button>
          </header>
          <ul>
            {listed.map((m) => (
              <li key={m.id} data-testid="memory">
                <span className="memory-text">{m.text}</span>
                <button
                  className="small icon"
                  aria-label="Dismiss this memory in this session"
                  title="Dismiss in this session (it stays saved)"
                  onClick={() => m.id !== undefined && memories.dismiss([m.id])}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          {shown.length > FOLDED && (
            <button className="link" onClick={() => setAll(!all)}>
              {all ? 'Show fewer' : `Show all ${shown.length}`}
            </button>
          )}
        </section>
      )}
    </>
  );
}

function MemoryForm({ memories, label }: { memories: SessionMemories; label: string }) {
  const [text, setText] = useState(memories.draft ?? '');
  const [busy, setBusy] = useState(false);
  const save = (): void => {
    setBusy(true);
    void memories.save(text).finally(() => setBusy(false));
  };
  return (
    <form
      className="memory-form"
      data-testid="memory-form"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          memories.cancel();
        }
      }}
    >
      <label>
        Remember about {label}
        <textarea
          autoFocus
          rows={3}
          maxLength={MEMORY_MAX_CHARS}
          value={text}
          data-testid="memory-text"
          placeholder="A finding worth knowing next time: “Gi1/0/7 flaps when fan 2 fails”"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              save();
            }
          }}
        />
      </label>
      {memories.error !== undefined && (
        <p className="error-text" role="alert">
          {memories.error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" data-testid="memory-save" disabled={busy}>
          Save memory
        </button>
        <button type="button" onClick={() => memories.cancel()}>
          Cancel
        </button>
        <span className="hint">Kept in this browser; shown whenever this device is opened.</span>
      </div>
    </form>
  );
}
