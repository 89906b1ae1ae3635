import { useState, type FormEvent } from 'react';
import type { PanelModel } from '../panel/model.js';
import { parseInviteLink } from './invite-link.js';

const NAME_KEY = 'tandem.displayName';

/** Paste a share link to open someone else's session here (the panel holds the connection). */
export function JoinForm({ model, onOpened }: { model: PanelModel; onOpened: () => void }) {
  const [url, setUrl] = useState('');
  const [name, setName] = useState(localStorage.getItem(NAME_KEY) ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const valid = parseInviteLink(url) !== undefined;
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      localStorage.setItem(NAME_KEY, name.trim());
      await model.join(url, name);
      onOpened();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" data-testid="join-form" onSubmit={(e) => void submit(e)}>
      <p className="hint">Paste the link the session owner sent you.</p>
      <label>
        Invite link
        <input
          name="invite"
          value={url}
          placeholder="http://…/join#…"
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <label>
        Your name
        <input name="name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
      </label>
      {url !== '' && !valid && <p className="error">That is not a Tandem invite link.</p>}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button className="primary" type="submit" disabled={busy || !valid || name.trim() === ''}>
          {busy ? 'Joining…' : 'Join session'}
        </button>
      </div>
    </form>
  );
}
