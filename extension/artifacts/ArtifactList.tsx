import { liveQuery } from 'dexie';
import { useEffect, useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { artifactMatches, type Artifact } from './artifact.js';
import { allArtifacts } from './store.js';
import './artifacts.css';

/** The artifacts, newest edit first, found by any word in them (commands, evidence, people). */
export function ArtifactList({ db, open }: { db: TandemDb; open: (id: number) => void }) {
  const [artifacts, setArtifacts] = useState<Artifact[]>();
  const [query, setQuery] = useState('');
  useEffect(() => {
    // Live: an artifact made in the side panel shows up here without a reload.
    const subscription = liveQuery(() => allArtifacts(db)).subscribe({
      next: setArtifacts,
      error: () => setArtifacts([]),
    });
    return () => subscription.unsubscribe();
  }, [db]);
  const shown = (artifacts ?? []).filter((a) => artifactMatches(a, query));
  return (
    <section className="artifact-list" data-testid="artifacts">
      <header className="replay-head">
        <h1>Artifacts</h1>
        <span className="spacer" />
        <input
          type="search"
          aria-label="Search artifacts"
          placeholder="Search artifacts"
          data-testid="artifact-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </header>
      {artifacts !== undefined && artifacts.length === 0 && (
        <p className="hint">
          No artifacts yet: end a session from its “End session…” button and create one.
        </p>
      )}
      {artifacts !== undefined && artifacts.length > 0 && shown.length === 0 && (
        <p className="hint">Nothing matches “{query}”.</p>
      )}
      <ul>
        {shown.map((a) => (
          <li key={a.id} data-artifact={a.id}>
            <button className="link" onClick={() => a.id !== undefined && open(a.id)}>
              {a.title}
            </button>
            <span className="hint">
              {a.device.label} · {a.commands.length} commands · {a.evidence.length} evidence ·
              edited {new Date(a.updatedAt).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
