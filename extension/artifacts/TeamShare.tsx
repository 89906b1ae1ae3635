import { useState } from 'react';
import type { Scope } from '../../protocol/team.js';
import type { TandemDb } from '../lib/db.js';
import { useEnrolment } from '../team/use-enrolment.js';
import type { Artifact, ArtifactShare } from './artifact.js';
import { currentScopes, shareArtifact, unshareArtifact } from './team-share.js';

type Target = { scope: Scope; name: string };

/**
 * The artifact page's team actions, when this browser is enrolled in a team relay: share with
 * a team or the organization; once shared, where, whether edits since are in the shared copy
 * (**Update shared copy**), and **Stop sharing**.
 */
export function TeamShare({
  db,
  artifact,
  shared,
  pending,
  onShared,
}: {
  db: TandemDb;
  artifact: () => Artifact;
  shared: ArtifactShare | undefined;
  /** An edit is not saved yet: sharing waits for it. */
  pending: boolean;
  onShared: (next: Artifact) => void;
}) {
  const enrolment = useEnrolment();
  const [targets, setTargets] = useState<Target[]>();
  const [choice, setChoice] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (enrolment === undefined) return null;

  const act = (work: () => Promise<Artifact>): void => {
    setBusy(true);
    setError(undefined);
    work()
      .then(onShared, (e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };
  const send = (target: Target): void => {
    act(() => shareArtifact(db, enrolment, artifact(), target));
    setTargets(undefined);
  };
  const failure = error !== undefined && (
    <span className="error-text" role="alert" data-testid="artifact-share-error">
      {error}
    </span>
  );

  if (shared !== undefined) {
    const stale = artifact().updatedAt > shared.sentVersion;
    return (
      <span className="team-share" data-testid="artifact-shared" data-stale={String(stale)}>
        <span className="hint">
          Shared with {shared.scopeName}
          {stale && ' · edited since'}
        </span>
        {stale && (
          <button
            data-testid="artifact-share-update"
            disabled={busy || pending}
            onClick={() => send({ scope: shared.scope, name: shared.scopeName })}
          >
            Update shared copy
          </button>
        )}
        <button
          data-testid="artifact-unshare"
          disabled={busy}
          title="Take it off the team relay; your artifact stays here"
          onClick={() => act(() => unshareArtifact(db, enrolment, artifact()))}
        >
          Stop sharing
        </button>
        {failure}
      </span>
    );
  }

  if (targets === undefined)
    return (
      <span className="team-share">
        <button
          data-testid="artifact-share"
          disabled={busy}
          title={`Share with a team on ${enrolment.org.name}'s relay`}
          onClick={() => {
            setError(undefined);
            currentScopes(enrolment).then(
              (list) => {
                setChoice(0);
                setTargets(list);
              },
              (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
            );
          }}
        >
          Share with team…
        </button>
        {failure}
      </span>
    );

  return (
    <span className="team-share">
      <select
        aria-label="Share with"
        data-testid="artifact-share-scope"
        value={choice}
        onChange={(e) => setChoice(Number(e.target.value))}
      >
        {targets.map((t, i) => (
          <option key={i} value={i}>
            {t.name}
          </option>
        ))}
      </select>
      <button
        className="primary"
        data-testid="artifact-share-confirm"
        disabled={busy || pending}
        onClick={() => {
          const target = targets[choice];
          if (target !== undefined) send(target);
        }}
      >
        Share
      </button>
      <button onClick={() => setTargets(undefined)}>Cancel</button>
      {failure}
    </span>
  );
}
