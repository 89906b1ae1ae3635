import { useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { SearchHeader } from '../lib/SearchHeader.js';
import { useLive } from '../lib/use-live.js';
import { artifactMatches } from './artifact.js';
import { allArtifacts } from './store.js';
import './artifacts.css';

/** The artifacts, newest edit first, found by any word in them (commands, evidence, people). */
export function ArtifactList({ db, open }: { db: TandemDb; open: (id: number) => void }) {
  const artifacts = useLive(() => allArtifacts(db), [db], []);
  const [query, setQuery] = useState('');
  const shown = (artifacts ?? []).filter((a) => artifactMatches(a, query));
  return (
    <section className="artifact-list" data-testid="artifacts">
      <SearchHeader title="Artifacts" query={query} onQuery={setQuery} testId="artifact-search" />
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
