import { iceResponseSchema, type Enrolment, type IceServer } from '../../protocol/team.js';
import type { ViewClient } from '../lib/view-client.js';
import { loadEnrolment, memberApi, onEnrolmentChanged } from './team-storage.js';

/** TURN credentials the relay hands out expire (12 h by default): ask again this often. */
const ICE_REFRESH_MS = 60 * 60_000;

/**
 * Fresh ICE servers from the team relay (TURN credentials by its shared secret, and whether it
 * wants calls relayed); the ones from enrolment if it cannot say now.
 */
async function teamIce(
  enrolment: Enrolment,
): Promise<{ iceServers: IceServer[]; icePolicy?: 'all' | 'relay' }> {
  try {
    const ice = await memberApi(enrolment, '/api/ice', iceResponseSchema, { timeoutMs: 3000 });
    if (ice !== undefined) return { iceServers: ice.iceServers, icePolicy: ice.iceTransportPolicy };
  } catch {
    // The relay is away or older: what enrolment gave still works until it expires.
  }
  return { iceServers: enrolment.iceServers };
}

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
            token: enrolment.token,
            ...(await teamIce(enrolment)),
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
  setInterval(() => {
    if (client.status.state === 'connected') apply();
  }, ICE_REFRESH_MS);
}
