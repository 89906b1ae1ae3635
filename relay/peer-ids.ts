/**
 * Only the agent can claim its peer id. An agent's id is `tandem-<h>`, where h is the first
 * 128 bits of SHA-256 of the secret token its PeerJS client presents when it registers (PeerJS
 * sends `token` in the signalling URL). The relay refuses a registration of a `tandem-` id whose
 * token does not hash to it. So nobody holding only a link (which names the id, never the
 * token) can take the id while the agent's WebRTC process restarts, and the rule needs no
 * state: it holds across relay restarts and on every replica.
 *
 * The agent derives its id the same way (native-host/peer/bridge.ts); the sharing tests prove
 * the two agree by registering through this check.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const AGENT_PREFIX = 'tandem-';

export function agentPeerId(token: string): string {
  return AGENT_PREFIX + createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 32);
}

/** Whether an id has the shape of an agent's (`tandem-` and 128 bits in hex). */
export function isAgentPeerId(id: string): boolean {
  return /^tandem-[0-9a-f]{32}$/.test(id);
}

/** Why a signalling registration may not have the id it asks for, or undefined. */
export function refuseRegistration(id: string | null, token: string | null): string | undefined {
  if (id === null || !id.startsWith(AGENT_PREFIX)) return undefined;
  if (token === null || agentPeerId(token) !== id) {
    return `Peer id ${id} belongs to a Tandem agent, which proves it with its token`;
  }
  return undefined;
}

/**
 * For the `ws` server under the PeerJS server (`verifyClient`): answers a refused registration
 * with HTTP 403 before any WebSocket exists, so the peer server never sees it.
 */
export function verifyRegistration(
  info: { req: IncomingMessage },
  done: (ok: boolean, code?: number, message?: string) => void,
): void {
  const { searchParams } = new URL(info.req.url ?? '/', 'http://relay');
  const refusal = refuseRegistration(searchParams.get('id'), searchParams.get('token'));
  if (refusal === undefined) done(true);
  else done(false, 403, refusal);
}
