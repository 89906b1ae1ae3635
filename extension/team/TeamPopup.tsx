import { useEffect, useState } from 'react';
import { browser } from 'wxt/browser';
import type { SessionInfo } from '../../protocol/index.js';
import type { Enrolment, Resource, RosterEntry, Scope } from '../../protocol/team.js';
import type { ViewClient } from '../lib/view-client.js';
import {
  askToJoin,
  inviteTeammate,
  joinShared,
  liveSessions,
  mySharedSession,
  shareSession,
  stopSharing,
  type JoinRole,
} from './team-actions.js';
import {
  EMPTY_VIEW,
  loadEnrolment,
  loadView,
  onTeamChanged,
  type TeamView,
} from './team-storage.js';

const STATE_LABEL = { online: 'online', away: 'away', offline: 'offline' } as const;

/** Enrolment and the background's view, live. */
export function useTeam(): { view: TeamView; enrolment: Enrolment | undefined } {
  const [state, setState] = useState<{ view: TeamView; enrolment: Enrolment | undefined }>({
    view: EMPTY_VIEW,
    enrolment: undefined,
  });
  useEffect(() => {
    const load = () =>
      void Promise.all([loadView(), loadEnrolment()]).then(([view, enrolment]) =>
        setState({ view, enrolment }),
      );
    load();
    return onTeamChanged(load);
  }, []);
  return state;
}

/** Opens the side panel in this window (a click in the popup is the user gesture it needs). */
function openPanel(): void {
  void browser.windows.getCurrent().then((win) => {
    if (win.id !== undefined)
      void browser.sidePanel.open({ windowId: win.id }).catch(() => undefined);
    window.close();
  });
}

/**
 * The toolbar popup of an enrolled member: teammates by team with their status dots and the
 * session they share with you, your own session to share, and the side panel one click away.
 */
export function TeamPopup({ client }: { client: ViewClient }) {
  const { view, enrolment } = useTeam();
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [sessionId, setSessionId] = useState('');
  const [shared, setShared] = useState<Resource | undefined>();
  const [scope, setScope] = useState('org');
  const [role, setRole] = useState<JoinRole>('viewer');
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    void browser.runtime.sendMessage({ type: 'team.wake' }).catch(() => undefined);
    void liveSessions(client)
      .then((list) => {
        setSessions(list);
        setSessionId((current) => current || (list[0]?.sessionId ?? ''));
      })
      .catch(() => setSessions([]));
  }, [client]);
  useEffect(() => {
    if (enrolment !== undefined)
      void mySharedSession(enrolment)
        .then(setShared)
        .catch(() => undefined);
  }, [enrolment]);

  const act = (what: () => Promise<unknown>, done?: string) => {
    setNotice(undefined);
    void what().then(
      () => done !== undefined && setNotice(done),
      (error: unknown) => setNotice(error instanceof Error ? error.message : String(error)),
    );
  };
  const session = sessions.find((s) => s.sessionId === sessionId);
  const you = view.you;

  if (enrolment === undefined) {
    return (
      <main className="team-popup">
        <p>{view.message ?? 'Not in a team. Enrol in the options page.'}</p>
        <button onClick={openPanel}>Open terminal</button>
      </main>
    );
  }

  // Your teams first; another team shows when it has someone in it.
  const mine = you?.teams ?? enrolment.member.teams;
  const byTeam = [...view.teams]
    .sort((a, b) => Number(mine.includes(b.id)) - Number(mine.includes(a.id)))
    .map((team) => ({
      team,
      members: view.members.filter((m) => m.teams.includes(team.id) && m.id !== you?.id),
    }))
    .filter(({ team, members }) => members.length > 0 || mine.includes(team.id));
  const teamless = view.members.filter((m) => m.teams.length === 0 && m.id !== you?.id);
  if (teamless.length > 0) byTeam.push({ team: { id: '', name: 'No team' }, members: teamless });

  const row = (member: RosterEntry) => (
    <li key={member.id} className="team-member" data-member={member.name}>
      <span className={`team-dot team-${member.state}`} aria-hidden="true" />
      <span className="team-avatar" style={{ background: member.color }} aria-hidden="true">
        {member.name.slice(0, 1).toUpperCase()}
      </span>
      <span className="team-who">
        <span className="team-name">{member.name}</span>
        <span className="team-state">
          {STATE_LABEL[member.state]}
          {member.session === undefined ? '' : ` · in ${member.session.name}`}
        </span>
      </span>
      <span className="team-actions">
        {member.session !== undefined ? (
          <button
            onClick={() =>
              act(async () => {
                const resourceId = member.session?.id;
                if (resourceId === undefined) return;
                await joinShared(enrolment, resourceId);
                openPanel();
              })
            }
          >
            Join
          </button>
        ) : member.state !== 'offline' ? (
          <button
            title={`Ask ${member.name} to let you into their session`}
            onClick={() => act(async () => askToJoin(member.id), `Asked ${member.name}`)}
          >
            Ask to join
          </button>
        ) : null}
        {session !== undefined && member.state !== 'offline' ? (
          <button
            title={`Invite ${member.name} to ${session.name} as ${role}`}
            onClick={() =>
              act(() => inviteTeammate(client, session, member.id, role), `Invited ${member.name}`)
            }
          >
            Invite
          </button>
        ) : null}
      </span>
    </li>
  );

  return (
    <main className="team-popup">
      <header className="team-head">
        <span className={`team-dot team-${view.state}`} aria-hidden="true" />
        <span className="team-me">
          <b>{you?.name ?? enrolment.member.name}</b>
          <span className="team-state">
            {STATE_LABEL[view.state]} · {view.org?.name ?? enrolment.org.name}
          </span>
        </span>
        <button className="primary" onClick={openPanel}>
          Open terminal
        </button>
      </header>
      {view.message !== undefined && view.connection !== 'connected' ? (
        <p className="team-notice" role="status">
          {view.message}
        </p>
      ) : null}
      <section className="team-share" aria-label="Your session">
        {sessions.length === 0 ? (
          <p className="team-state">No live session: open a terminal to share one.</p>
        ) : (
          <div className="team-share-form">
            <select
              aria-label="Session"
              value={sessionId}
              onChange={(e) => setSessionId(e.target.value)}
            >
              {sessions.map((s) => (
                <option key={s.sessionId} value={s.sessionId}>
                  {s.name}
                </option>
              ))}
            </select>
            <select
              aria-label="Role"
              value={role}
              onChange={(e) => setRole(e.target.value === 'coworker' ? 'coworker' : 'viewer')}
            >
              <option value="viewer">as viewers</option>
              <option value="coworker">as co-workers</option>
            </select>
            {shared !== undefined ? (
              <p className="team-shared">
                Sharing <b>{shared.name}</b> with{' '}
                {shared.scope.kind === 'org'
                  ? 'everyone'
                  : (view.teams.find(
                      (t) => shared.scope.kind === 'team' && t.id === shared.scope.teamId,
                    )?.name ?? 'a team')}{' '}
                <button
                  onClick={() =>
                    act(async () => {
                      await stopSharing(client, enrolment, shared);
                      setShared(undefined);
                    }, 'Stopped sharing')
                  }
                >
                  Stop
                </button>
              </p>
            ) : (
              <>
                <select
                  aria-label="Share with"
                  value={scope}
                  onChange={(e) => setScope(e.target.value)}
                >
                  <option value="org">Everyone in {view.org?.name ?? enrolment.org.name}</option>
                  {view.teams
                    .filter((t) => mine.includes(t.id))
                    .map((t) => (
                      <option key={t.id} value={t.id}>
                        Team {t.name}
                      </option>
                    ))}
                </select>
                <button
                  className="team-share-button"
                  disabled={session === undefined}
                  onClick={() =>
                    act(async () => {
                      if (session === undefined) return;
                      const to: Scope =
                        scope === 'org' ? { kind: 'org' } : { kind: 'team', teamId: scope };
                      setShared(await shareSession(client, enrolment, session, to, role));
                    })
                  }
                >
                  Share
                </button>
              </>
            )}
          </div>
        )}
      </section>
      {notice !== undefined ? (
        <p className="team-notice" role="status">
          {notice}
        </p>
      ) : null}
      {byTeam.map(({ team, members }) => (
        <section key={team.id} className="team-group" aria-label={`Team ${team.name}`}>
          <h2>{team.name}</h2>
          {members.length === 0 ? (
            <p className="team-state">Nobody else yet</p>
          ) : (
            <ul>{members.map(row)}</ul>
          )}
        </section>
      ))}
    </main>
  );
}
