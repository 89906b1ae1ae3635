import { useCallback, useEffect, useState } from 'react';
import { allItems, type InviteInfo, type Role } from '../../protocol/index.js';
import type { SessionView } from '../panel/session-view.js';
import { ROLE_LABEL } from './presence.js';

/** Owner only: make invite links per role (optionally through the lobby), copy, list, revoke. */
export function ShareDialog({ view, onClose }: { view: SessionView; onClose: () => void }) {
  const [role, setRole] = useState<Exclude<Role, 'owner'>>('viewer');
  const [lobby, setLobby] = useState(false);
  const [invites, setInvites] = useState<InviteInfo[]>([]);
  /** Links made in this dialog: the agent never tells a link again (it keeps only a hash). */
  const [urls, setUrls] = useState<Record<string, string>>({});
  const [copied, setCopied] = useState<string>();
  const [error, setError] = useState<string>();
  const sessionId = view.id;

  const refresh = useCallback(async () => {
    try {
      setInvites(
        await allItems(
          (cursor) =>
            view.transport.request(
              'invite.list',
              cursor === undefined ? { sessionId } : { sessionId, cursor },
            ),
          (page) => page.invites,
        ),
      );
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [view, sessionId]);
  // Who joined with which link changes as people come and go: count again on every change.
  const { participants } = view.presence;
  useEffect(() => void refresh(), [refresh, participants]);

  const copy = (url: string, id: string): void => {
    void navigator.clipboard.writeText(url).then(
      () => setCopied(id),
      () => setCopied(undefined),
    );
  };
  const create = async (): Promise<void> => {
    setError(undefined);
    try {
      const { invite, url } = await view.transport.request('invite.create', {
        sessionId,
        role,
        lobby,
      });
      setUrls((u) => ({ ...u, [invite.inviteId]: url }));
      copy(url, invite.inviteId);
      await refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const revoke = async (inviteId: string, disconnect: boolean): Promise<void> => {
    try {
      await view.transport.request('invite.revoke', { inviteId, disconnect });
      await refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="drawer share" data-testid="share-dialog" aria-label="Share this session">
      <div className="share-head">
        <h3>Share this session</h3>
        <button className="small icon" onClick={onClose} aria-label="Close sharing" title="Close">
          ×
        </button>
      </div>
      <div className="share-new">
        <label className="share-role">
          Role
          <select
            value={role}
            data-testid="invite-role"
            onChange={(e) => setRole(e.target.value === 'coworker' ? 'coworker' : 'viewer')}
          >
            <option value="viewer">Viewer (watch, chat)</option>
            <option value="coworker">Co-worker (can type)</option>
          </select>
        </label>
        <label className="share-lobby">
          <input type="checkbox" checked={lobby} onChange={(e) => setLobby(e.target.checked)} />{' '}
          Wait in lobby
        </label>
        <button className="small primary" data-testid="create-invite" onClick={() => void create()}>
          Create link
        </button>
      </div>
      {error !== undefined && <p className="error">{error}</p>}
      {invites.length === 0 ? (
        <p className="hint">No links yet. Anyone with a link joins with its role.</p>
      ) : (
        <ul className="invites">
          {invites.map((invite) => {
            const url = urls[invite.inviteId];
            return (
              <li key={invite.inviteId} data-invite={invite.inviteId}>
                <span className="badge">{ROLE_LABEL[invite.role]}</span>
                {invite.lobby && <span className="badge">lobby</span>}
                {url !== undefined ? (
                  <input
                    className="invite-url"
                    readOnly
                    value={url}
                    aria-label={`${ROLE_LABEL[invite.role]} link`}
                    data-testid="invite-url"
                  />
                ) : (
                  <span className="hint">link made earlier</span>
                )}
                <span className="hint">{invite.uses} joined</span>
                {url !== undefined && (
                  <button className="small" onClick={() => copy(url, invite.inviteId)}>
                    {copied === invite.inviteId ? 'Copied' : 'Copy'}
                  </button>
                )}
                <button
                  className="small danger"
                  data-testid="revoke-invite"
                  title="Nobody new gets in with this link; those inside stay"
                  onClick={() => void revoke(invite.inviteId, false)}
                >
                  Revoke
                </button>
                {invite.uses > 0 && (
                  <button
                    className="small danger"
                    data-testid="revoke-invite-disconnect"
                    title="Revoke the link and remove everyone who joined with it"
                    onClick={() => void revoke(invite.inviteId, true)}
                  >
                    Revoke + remove
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
