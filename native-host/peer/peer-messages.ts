/**
 * What the agent and its peer process say to each other over the child's IPC channel (Node's
 * "advanced" serialization: strings cross without a second JSON escape). The peer process owns
 * WebRTC; the agent owns everything else, including what a participant may do.
 */
import type { Assembled } from '../../protocol/pieces.js';
import type { LogFields } from '../log.js';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface PeerStart {
  peerId: string;
  /** Binds the peer id on the relay (see relay/peer-ids.ts). */
  token: string;
  relay: { host: string; port: number; path: string; secure: boolean };
  iceServers: IceServer[];
}

/** One protocol message (JSON text) for one or more connections, in order. */
export interface Outgoing {
  conns: number[];
  json: string;
}

export type ToPeer =
  | ({ type: 'start' } & PeerStart)
  | { type: 'send'; batch: Outgoing[] }
  | { type: 'close'; conn: number }
  /** Tell these remote peers, through the relay, that their connections to us are gone. */
  | { type: 'leave'; peers: string[] }
  | { type: 'stop' };

export type FromPeer =
  | { type: 'ready' }
  | { type: 'failed'; kind: string; message: string }
  /** A participant opened a data connection; the agent hears its messages next. */
  | { type: 'conn'; conn: number; peer: string }
  /** It opened; the SDPs of its RTCPeerConnection, for the agent to sign its DTLS fingerprints. */
  | { type: 'opened'; conn: number; local: string; remote: string }
  | { type: 'data'; conn: number; assembled: Exclude<Assembled, { kind: 'partial' }> }
  /** `through`: characters of JSON taken from the agent so far; `buffered`: still in the channel. */
  | { type: 'backlog'; conn: number; through: number; buffered: number }
  | { type: 'closed'; conn: number }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; event: string; fields?: LogFields };
