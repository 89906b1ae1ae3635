import { useEffect, useState } from 'react';
import { MEMORY_MAX_CHARS } from './memory.js';
import type { SessionMemories } from './session-memories.js';
import { SYSTEM_NAME_MAX } from './systems.js';
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
  const system = memories.system;
  return (
    <>
      {memories.draft !== undefined && (
        <MemoryForm key="form" memories={memories} label={target.label} />
      )}
      {(shown.length > 0 || system !== undefined) && (
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
          {system !== undefined && (
            <p className="memory-system-line" data-testid="memory-system">
              <span>
                Part of <b>{system.name}</b>
              </span>
              <button
                className="link"
                data-testid="memory-unlink"
                title={`This device leaves ${system.name}; the system's memories stay with it`}
                onClick={() => void memories.unlink()}
              >
                Unlink
              </button>
            </p>
          )}
          <ul>
            {listed.map((m) => (
              <li key={m.id} data-testid="memory">
                {memories.isSystemMemory(m) && (
                  <span className="memory-system" title={`About the system ${m.targetLabel}`}>
                    {m.targetLabel}
                  </span>
                )}
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
  const [about, setAbout] = useState<'device' | 'system'>('device');
  const [system, setSystem] = useState(memories.system?.name ?? '');
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    void memories.systemNames().then(setNames, () => setNames([]));
  }, [memories]);
  const run = (work: Promise<void>): void => {
    setBusy(true);
    void work.finally(() => setBusy(false));
  };
  const save = (): void => run(memories.save(text, about === 'system' ? system : undefined));
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
      <fieldset className="memory-about">
        <legend>About</legend>
        <label>
          <input
            type="radio"
            name="memory-about"
            checked={about === 'device'}
            onChange={() => setAbout('device')}
          />
          <span>this device</span> <span className="hint">{label}</span>
        </label>
        <label>
          <input
            type="radio"
            name="memory-about"
            data-testid="memory-about-system"
            checked={about === 'system'}
            onChange={() => setAbout('system')}
          />
          <span>the system</span>
          <input
            type="text"
            list="memory-system-names"
            aria-label="System name"
            data-testid="memory-system-name"
            maxLength={SYSTEM_NAME_MAX}
            placeholder="payments cluster"
            value={system}
            onFocus={() => setAbout('system')}
            onChange={(e) => setSystem(e.target.value)}
          />
          <datalist id="memory-system-names">
            {names.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        </label>
      </fieldset>
      <label>
        What you found
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
        {about === 'system' && (
          <button
            type="button"
            data-testid="memory-link"
            title="Make this device part of the system, without a memory: the system's memories show here"
            disabled={busy}
            onClick={() => run(memories.link(system))}
          >
            Only link
          </button>
        )}
        <button type="button" onClick={() => memories.cancel()}>
          Cancel
        </button>
        <span className="hint">
          {about === 'system'
            ? 'Kept in this browser; shown on every device of this system.'
            : 'Kept in this browser; shown whenever this device is opened.'}
        </span>
      </div>
    </form>
  );
}
