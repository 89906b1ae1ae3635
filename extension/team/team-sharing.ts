import type { ViewClient } from '../lib/view-client.js';
import { loadEnrolment, onEnrolmentChanged } from './team-storage.js';

/**
 * Tells the agent how to share: through the team relay, under your member name, with its ICE
 * servers, once you are enrolled; back to its settings file once you leave. The agent keeps it
 * until it stops, so this runs on every (re)connection and every enrolment change.
 */
export async function applyTeamSharing(client: Pick<ViewClient, 'request'>): Promise<void> {
  const enrolment = await loadEnrolment();
  await client.request('sharing.configure', {
    team:
      enrolment === undefined
        ? null
        : {
            relayUrl: enrolment.relayUrl,
            displayName: enrolment.member.name,
            iceServers: enrolment.iceServers,
            token: enrolment.token,
          },
  });
}

/** Keeps the agent behind `client` told, for as long as the page lives. */
export function keepTeamSharing(client: Pick<ViewClient, 'request' | 'onStatus' | 'status'>): void {
  const apply = () => void applyTeamSharing(client).catch(() => undefined);
  if (client.status.state === 'connected') apply();
  client.onStatus((status) => {
    if (status.state === 'connected') apply();
  });
  onEnrolmentChanged(apply);
}
