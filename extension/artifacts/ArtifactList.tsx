import { useEffect, useState } from 'react';
import type { Resource } from '../../protocol/team.js';
import type { TandemDb } from '../lib/db.js';
import { useEnrolment } from '../team/use-enrolment.js';
import { teamArtifacts } from './team-share.js';
import { SearchHeader } from '../lib/SearchHeader.js';
import { useLive } from '../lib/use-live.js';
import { artifactMatches } from './artifact.js';
import { allArtifacts } from './store.js';
import './artifacts.css';

/**
 * The artifacts, newest edit first, found by any word in them (commands, evidence, people); and,
 * in a team, those teammates shared where this member can see them.
 */
export function ArtifactList({
  db,
  open,
  openShared,
}: {
  db: TandemDb;
  open: (id: number) => void;
  openShared: (resourceId: string) => void;
}) {
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
              {a.team !== undefined && ` · shared with ${a.team.scopeName}`}
            </span>
          </li>
        ))}
      </ul>
      <TeamArtifacts query={query} open={openShared} />
    </section>
  );
}

/** Teammates' shared artifacts (not one's own: those are in the list above). */
function TeamArtifacts({ query, open }: { query: string; open: (id: string) => void }) {
  const enrolment = useEnrolment();
  const [shared, setShared] = useState<Resource[]>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (enrolment === undefined) return;
    setError(undefined);
    teamArtifacts(enrolment).then(
      (list) => setShared(list.filter((r) => r.ownerId !== enrolment.member.id)),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [enrolment, round]);
  if (enrolment === undefined) return null;
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (shared ?? []).filter((r) =>
    words.every((w) => `${r.name} ${r.ownerName ?? ''}`.toLowerCase().includes(w)),
  );
  return (
    <div className="shared-list" data-testid="team-artifacts">
      <h3>
        Shared in {enrolment.org.name} <button onClick={() => setRound(round + 1)}>Refresh</button>
      </h3>
      {error !== undefined && (
        <p className="error-text hint" role="alert">
          {error}
        </p>
      )}
      {shared !== undefined && shared.length === 0 && (
        <p className="hint">Nothing shared by your teammates yet.</p>
      )}
      <ul>
        {shown.map((r) => (
          <li key={r.id} data-team-artifact={r.id}>
            <button className="link" onClick={() => open(r.id)}>
              {r.name}
            </button>
            <span className="hint">
              shared by {r.ownerName ?? 'a former member'} ·{' '}
              {new Date(r.createdAt).toLocaleString()}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
