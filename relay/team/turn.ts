import { createHmac } from 'node:crypto';
import type { IceServer } from '../../protocol/team.js';

/**
 * TURN credentials by the "TURN REST API" scheme coturn understands (`use-auth-secret` with
 * `static-auth-secret`): the username is `<expiry unix seconds>:<who>`, the password the
 * base64 HMAC-SHA1 of the username under the shared secret. coturn checks both, and the
 * expiry, on every allocation and refresh; nobody stores a TURN password, and a leaked one
 * dies at its expiry.
 */
export interface TurnConfig {
  urls: string[];
  secret: string;
  /** How long handed-out credentials work (a call or session must fit inside). */
  ttlS: number;
}

export const DEFAULT_TURN_TTL_S = 12 * 3600;

export function turnCredentials(
  config: TurnConfig,
  user: string,
  now = Date.now(),
): IceServer & { username: string; credential: string } {
  const username = `${Math.floor(now / 1000) + config.ttlS}:${user}`;
  const credential = createHmac('sha1', config.secret).update(username).digest('base64');
  return { urls: config.urls, username, credential };
}

/** The ICE servers to hand someone: the configured static ones, and fresh TURN credentials. */
export function iceServersFor(
  staticServers: IceServer[],
  turn: TurnConfig | undefined,
  user: string,
): IceServer[] {
  return turn === undefined ? staticServers : [...staticServers, turnCredentials(turn, user)];
}
