import { useState } from 'react';
import type { TandemDb } from '../lib/db.js';
import { SearchHeader } from '../lib/SearchHeader.js';
import { useLive } from '../lib/use-live.js';
import { allProcedures, createProcedure } from './store.js';
import '../artifacts/artifacts.css';

const TEMPLATE = `# New procedure

What it is for, and when to run it.

## Steps

### 1. First step

\`\`\`
echo {{name}}
\`\`\`

Expected:

\`\`\`
{{name}}
\`\`\`
`;

/** The procedures, searchable by name, with import of a Markdown file and a blank new one. */
export function ProcedureList({ db, open }: { db: TandemDb; open: (id: number) => void }) {
  const procedures = useLive(() => allProcedures(db), [db], []);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (procedures ?? []).filter((p) =>
    words.every((w) => p.markdown.toLowerCase().includes(w)),
  );
  const add = (markdown: string): void => {
    setError(undefined);
    createProcedure(db, markdown).then(open, (e: unknown) =>
      setError(`Not imported: ${e instanceof Error ? e.message : String(e)}`),
    );
  };
  return (
    <section className="artifact-list" data-testid="procedure-list">
      <SearchHeader title="Procedures" query={query} onQuery={setQuery}>
        <label className="button">
          Import .md
          <input
            type="file"
            accept=".md,text/markdown,text/plain"
            data-testid="procedure-import"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file !== undefined) void file.text().then(add);
            }}
          />
        </label>
        <button onClick={() => add(TEMPLATE)}>New</button>
      </SearchHeader>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {procedures !== undefined && procedures.length === 0 && (
        <p className="hint">
          No procedures yet: save a Copilot draft or an artifact as one, or import a Markdown file.
        </p>
      )}
      <ul>
        {shown.map((p) => (
          <li key={p.id} data-procedure={p.id}>
            <button className="link" onClick={() => p.id !== undefined && open(p.id)}>
              {p.name}
            </button>
            <span className="hint">
              version {p.version} · edited {new Date(p.updatedAt).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
