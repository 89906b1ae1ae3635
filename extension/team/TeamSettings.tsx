import { useState } from 'react';
import { browser } from 'wxt/browser';
import { parseEnrolmentLink } from '../../protocol/team.js';
import { useTeam } from './TeamPopup.js';
import { clearEnrolment, enrol, revokeToken, saveEnrolment } from './team-storage.js';

/**
 * The options page's "Team relay" section: paste the enrolment link your admin sent; once
 * enrolled, who you are, where, and a way to leave.
 */
export function TeamSettings() {
  const { view, enrolment } = useTeam();
  const [link, setLink] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const parsed = parseEnrolmentLink(link);

  const submit = () => {
    if (parsed === undefined) return;
    setBusy(true);
    setError(undefined);
    void enrol(parsed.relayUrl, parsed.token)
      .then(async (result) => {
        await saveEnrolment(result);
        await browser.runtime.sendMessage({ type: 'team.enrolled' }).catch(() => undefined);
        setLink('');
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };

  const leave = () => {
    if (enrolment === undefined) return;
    void revokeToken(enrolment)
      .then(() => clearEnrolment())
      .then(() => browser.runtime.sendMessage({ type: 'team.enrolled' }).catch(() => undefined));
  };

  return (
    <section className="team-settings" aria-label="Team relay">
      <h2>Team relay</h2>
      {enrolment !== undefined ? (
        <>
          <p className="team-enrolled">
            <span
              className="team-avatar"
              style={{ background: enrolment.member.color }}
              aria-hidden="true"
            >
              {enrolment.member.name.slice(0, 1).toUpperCase()}
            </span>
            You are <b>{enrolment.member.name}</b> in <b>{enrolment.org.name}</b>
            {enrolment.teams.length > 0
              ? ` (${enrolment.teams
                  .filter((t) => enrolment.member.teams.includes(t.id))
                  .map((t) => t.name)
                  .join(', ')})`
              : ''}
            , through {enrolment.relayUrl}.
          </p>
          <p className="team-state" role="status">
            {view.connection === 'connected'
              ? `Connected — you are ${view.state}.`
              : (view.message ?? 'Connecting…')}
          </p>
          <button onClick={leave}>Leave the team on this browser</button>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          {view.connection === 'signed-out' && view.message !== undefined ? (
            <p className="team-notice" role="status">
              {view.message}
            </p>
          ) : null}
          <label>
            Enrolment link from your relay admin
            <input
              name="enrolment-link"
              value={link}
              placeholder="https://relay.example.com/enrol#…"
              onChange={(e) => setLink(e.target.value)}
              spellCheck={false}
              autoComplete="off"
            />
          </label>
          {link !== '' && parsed === undefined ? (
            <p className="team-notice">
              That is not an enrolment link: it looks like https://relay…/enrol#… — copy the whole
              link.
            </p>
          ) : null}
          {error !== undefined ? (
            <p className="team-notice" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" className="primary" disabled={parsed === undefined || busy}>
            {busy ? 'Enrolling…' : 'Join the team'}
          </button>
        </form>
      )}
    </section>
  );
}
