import { useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { SearchHeader } from '../lib/SearchHeader.js';
import { useLive } from '../lib/use-live.js';
import { MEMORY_MAX_CHARS, memoryMatches, type Memory } from './memory.js';
import { allMemories, deleteMemory, editMemory } from './store.js';
import { isSystemKey } from './systems.js';
import './memories.css';

/** Every memory, searchable, each editable and deletable, with the device it belongs to. */
export function MemoryList({ db }: { db: TandemDb }) {
  const memories = useLive(() => allMemories(db), [db], []);
  const [query, setQuery] = useState('');
  const shown = (memories ?? []).filter((m) => memoryMatches(m, query));
  return (
    <section className="artifact-list memory-list" data-testid="memory-list">
      <SearchHeader title="Memories" query={query} onQuery={setQuery} testId="memory-search" />
      {memories !== undefined && memories.length === 0 && (
        <p className="hint">
          No memories yet: select output in a terminal and choose “Save as memory…”.
        </p>
      )}
      <ul>
        {shown.map((m) => (
          <MemoryRow key={m.id} db={db} memory={m} />
        ))}
      </ul>
    </section>
  );
}

function MemoryRow({ db, memory }: { db: TandemDb; memory: Memory }) {
  const [editing, setEditing] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const { id } = memory;
  if (id === undefined) return null;
  const act = (work: Promise<void>, after: () => void): void => {
    work.then(after, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  return (
    <li data-memory={id}>
      <div className="hint">
        {isSystemKey(memory.targetKey) ? `System ${memory.targetLabel}` : memory.targetLabel} ·{' '}
        {new Date(memory.updatedAt).toLocaleString()}
        {memory.sessionName !== undefined && ` · from “${memory.sessionName}”`}
      </div>
      {editing === undefined ? (
        <p className="memory-text">{memory.text}</p>
      ) : (
        <textarea
          aria-label="Memory"
          rows={3}
          maxLength={MEMORY_MAX_CHARS}
          value={editing}
          onChange={(e) => setEditing(e.target.value)}
        />
      )}
      <div className="actions">
        {editing === undefined ? (
          <button className="small" onClick={() => setEditing(memory.text)}>
            Edit
          </button>
        ) : (
          <>
            <button
              className="small primary"
              onClick={() => act(editMemory(db, id, editing), () => setEditing(undefined))}
            >
              Save
            </button>
            <button className="small" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </>
        )}
        {confirming ? (
          <button
            className="small danger"
            data-action="confirm-delete"
            onClick={() => act(deleteMemory(db, id), () => setConfirming(false))}
          >
            Delete for good
          </button>
        ) : (
          <button className="small" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
