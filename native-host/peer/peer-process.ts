/**
 * The agent's WebRTC side, in a process of its own (`tandem-agent` starts it; see bridge.ts).
 *
 * Why a process: WebRTC is native code on threads of its own, fed by whatever a stranger sends
 * through the relay. If it ever fails, it must not take the user's terminals with it: here
 * it takes only the data connections, which participants re-join. (node-webrtc, used before
 * libdatachannel, did crash here: a remote close racing a send.) Every send is also a
 * synchronous hop into native code; made here, they never sit between the owner's
 * keystrokes on the agent's event loop.
 *
 * This process knows nothing about invites or roles: it moves pieces and reports backlog.
 */
import type { DataConnection, Peer } from 'peerjs';
import type { LogFields } from '../log.js';
import { Settler } from '../agent/settle.js';
import { Reassembler, toPieces } from './channel.js';
import type { FromPeer, PeerStart, ToPeer } from './peer-messages.js';
import { guardSignalling } from './signalling-guard.js';
import { loadPeerJs } from './webrtc.js';

/** Report a connection's backlog after this many characters, or every REPORT_MS while it has one. */
const REPORT_CHARS = 64 * 1024;
const REPORT_MS = 100;
/** How soon to register with the relay again after signalling drops. */
const SIGNALLING_RETRY_MS = 500;
/** A closing channel that has not finished by then is torn down. */
const CLOSE_GRACE_MS = 2000;
/** At most one `peer.signalling_dropped` line per this long. */
const DROP_LOG_MS = 1000;

/** Collects this process's heap once a burst of output is over (see agent/settle.ts). */
const settler = new Settler();

function post(message: FromPeer): void {
  process.send?.(message);
}

function log(level: 'info' | 'warn' | 'error', event: string, fields?: LogFields): void {
  post({ type: 'log', level, event, ...(fields === undefined ? {} : { fields }) });
}

/** One participant's data connection. */
class Channel {
  /** Characters of JSON taken from the agent for this connection. */
  through = 0;
  private sinceReport = 0;
  private reported = 0;
  private closed = false;
  // The answering side can be asked to send before PeerJS marks the connection open, and
  // PeerJS drops sends until then: pieces wait here for 'open'.
  private early: string[] | undefined;

  constructor(
    readonly id: number,
    private readonly connection: DataConnection,
  ) {
    this.early = connection.open ? undefined : [];
    const pieces = new Reassembler();
    if (connection.open) this.opened();
    connection.on('open', () => {
      this.opened();
      const queued = this.early ?? [];
      this.early = undefined;
      for (const piece of queued) this.transmit(piece);
    });
    connection.on('data', (data) => {
      const assembled = pieces.push(data);
      if (assembled.kind !== 'partial') post({ type: 'data', conn: id, assembled });
    });
    connection.on('close', () => this.gone());
    // PeerJS says nothing of a connection that fails before it opens (ICE or DTLS failed;
    // about 1 in 100 DTLS handshakes between two libdatachannel peers): without this it would
    // hold one of the agent's few places for unjoined connections until their 10 s ran out.
    const pc = connection.peerConnection as RTCPeerConnection | null | undefined;
    pc?.addEventListener('connectionstatechange', () => {
      if (connection.open) return;
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
        this.gone();
        connection.close();
      }
    });
    connection.on('error', (error) =>
      log('warn', 'peer.connection_error', { error: error.message }),
    );
  }

  /**
   * Before anything else goes out: the agent proves itself on this connection, over the DTLS
   * fingerprints both descriptions name (the agent signs; its key is not in this process).
   */
  private opened(): void {
    const pc = this.connection.peerConnection;
    post({
      type: 'opened',
      conn: this.id,
      local: pc.localDescription?.sdp ?? '',
      remote: pc.remoteDescription?.sdp ?? '',
    });
  }

  send(json: string): void {
    this.through += json.length;
    if (this.closed) return;
    this.sinceReport += json.length;
    for (const piece of toPieces(json)) {
      if (this.early !== undefined) this.early.push(piece);
      else this.transmit(piece);
    }
  }

  /**
   * Closes the data channel, which sends what is already queued first; PeerJS then tears the
   * connection down. (PeerJS's own `close({flush})` sends an object, which a raw channel
   * cannot carry.) From here on nothing goes near the channel: a send racing the close only
   * throws, but it would be a send to nobody.
   */
  close(): void {
    if (this.closed) return;
    const channel = this.connection.dataChannel;
    this.gone();
    if (this.early !== undefined) {
      // Not open yet (the agent turns some away as soon as they offer): what is queued — why
      // it is turned away — goes out once it opens, then it closes. One that never opens is
      // torn down after the grace period.
      const timer = setTimeout(() => this.connection.close(), CLOSE_GRACE_MS);
      this.connection.once('open', () => {
        clearTimeout(timer);
        this.connection.dataChannel?.close();
        setTimeout(() => {
          if (this.connection.open) this.connection.close();
        }, CLOSE_GRACE_MS);
      });
      return;
    }
    if (channel === undefined) {
      this.connection.close();
      return;
    }
    channel.close();
    setTimeout(() => {
      if (this.connection.open) this.connection.close();
    }, CLOSE_GRACE_MS);
  }

  /** Tells the agent how far behind this participant is, when it has changed enough. */
  report(force: boolean): void {
    if (this.closed) return;
    if (!force && this.sinceReport < REPORT_CHARS) return;
    if (force && this.sinceReport === 0 && this.reported === 0) return;
    const buffered =
      (this.connection.dataChannel?.bufferedAmount ?? 0) +
      (this.early ?? []).reduce((sum, piece) => sum + piece.length, 0);
    this.sinceReport = 0;
    this.reported = buffered;
    post({ type: 'backlog', conn: this.id, through: this.through, buffered });
  }

  // Straight to the data channel: PeerJS's own send reads bufferedAmount (another hop into
  // libwebrtc) on every call and queues without bound past 8 MiB; the agent's lag check keeps
  // a participant's backlog well under that instead.
  private transmit(piece: string): void {
    const channel = this.connection.dataChannel;
    try {
      if (channel?.readyState === 'open') channel.send(piece);
      else void this.connection.send(piece);
    } catch {
      this.connection.close();
    }
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    channels.delete(this.id);
    post({ type: 'closed', conn: this.id });
  }
}

/**
 * Logs dropped signalling at most once a second, with how many were dropped since: a flood of
 * hostile messages must not become a flood of log lines.
 */
function dropLogger(): (reason: string) => void {
  let last = 0;
  let since = 0;
  return (reason) => {
    since += 1;
    const now = Date.now();
    if (now - last < DROP_LOG_MS) return;
    last = now;
    log('warn', 'peer.signalling_dropped', { reason, dropped: since });
    since = 0;
  };
}

const channels = new Map<number, Channel>();
let peer: Peer | undefined;
let nextConn = 1;

/**
 * node-datachannel's polyfill writes a TURN server as `turn:USER:PASS@host` for libdatachannel,
 * which splits at the first ':' and '@' and URL-decodes each part: a TURN REST username
 * (`<expiry>:<user>`) or a base64 password (`/`, `+`, `=`) arrives mangled unless encoded.
 */
function forLibdatachannel(
  server: PeerStart['iceServers'][number],
): PeerStart['iceServers'][number] {
  return {
    ...server,
    ...(server.username === undefined ? {} : { username: encodeURIComponent(server.username) }),
    ...(server.credential === undefined
      ? {}
      : { credential: encodeURIComponent(server.credential) }),
  };
}

async function start(options: PeerStart): Promise<void> {
  const { Peer } = await loadPeerJs();
  const { relay } = options;
  const created = new Peer(options.peerId, {
    host: relay.host,
    port: relay.port,
    path: relay.path,
    secure: relay.secure,
    token: options.token,
    config: { iceServers: options.iceServers.map(forLibdatachannel) },
    debug: 0,
  });
  peer = created;
  guardSignalling(
    created.socket,
    (remote, connectionId) => created.getConnection(remote, connectionId) !== null,
    dropLogger(),
  );
  let opened = false;
  created.once('open', () => {
    opened = true;
    post({ type: 'ready' });
  });
  created.on('error', (error) => {
    if (!opened) post({ type: 'failed', kind: String(error.type), message: error.message });
    else log('warn', 'peer.error', { kind: String(error.type), error: error.message });
  });
  created.on('disconnected', () => {
    // Signalling dropped (relay restart, network blip); live data channels carry on. A failed
    // attempt ends in another 'disconnected': pace them, or they spin while the relay is down.
    log('warn', 'peer.signalling_lost');
    setTimeout(() => {
      if (!created.destroyed && created.disconnected) created.reconnect();
    }, SIGNALLING_RETRY_MS);
  });
  created.on('connection', (connection) => {
    const id = nextConn++;
    post({ type: 'conn', conn: id, peer: connection.peer });
    channels.set(id, new Channel(id, connection));
  });
}

function stop(): void {
  peer?.destroy();
  // libdatachannel keeps native threads after destroy(): give the goodbyes a moment, then leave.
  setTimeout(() => process.exit(0), 100);
}

process.on('message', (message: ToPeer) => {
  switch (message.type) {
    case 'start':
      start(message).catch((error: unknown) => {
        post({
          type: 'failed',
          kind: 'start',
          message: error instanceof Error ? error.message : String(error),
        });
      });
      break;
    case 'send':
      for (const { conns, json } of message.batch) {
        for (const conn of conns) channels.get(conn)?.send(json);
        settler.worked(json.length * conns.length);
      }
      for (const { conns } of message.batch) {
        for (const conn of conns) channels.get(conn)?.report(false);
      }
      break;
    case 'close':
      channels.get(message.conn)?.close();
      break;
    case 'leave':
      // A previous peer process died holding these connections. Their data channels would
      // take ICE's ~30 s to notice; a LEAVE through the relay makes PeerJS close them now,
      // and the participants re-join at once.
      for (const dst of message.peers) peer?.socket.send({ type: 'LEAVE', dst });
      break;
    case 'stop':
      stop();
      break;
  }
});
// PeerJS runs a connection's negotiation in promises it does not always await; one that fails
// concerns that connection only (it closes or times out), never the others.
process.on('unhandledRejection', (reason) => {
  log('warn', 'peer.unhandled', {
    error: reason instanceof Error ? reason.message : String(reason),
  });
});
// The agent is gone (or has let go of us): so are we.
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  for (const channel of channels.values()) channel.report(true);
}, REPORT_MS);
