/**
 * PeerJS expects a browser: WebRTC and WebSocket globals. In the agent they come from
 * node-datachannel's W3C polyfill (libdatachannel, a prebuilt binary shipped in its platform
 * package) and ws. Installed once, before peerjs is first imported. In Node, `Peer` comes
 * from peerjs's default export.
 *
 * Why libdatachannel and not node-webrtc (@roamhq/wrtc): node-webrtc let a remote close race
 * a send — RTCDataChannel::Send dereferenced a channel the signalling thread had just
 * released, and about one mid-flood drop in 60 killed the process with SIGSEGV. libdatachannel
 * is a small C++ stack whose send on a closed channel throws a JS error instead.
 */
import type { Peer } from 'peerjs';
import WebSocket from 'ws';

/**
 * PeerJS listens for `close` on its signalling socket but not `error`, and `ws` throws an
 * unhandled error event (e.g. ECONNREFUSED while the relay restarts). The close that follows
 * every error is what PeerJS acts on, so errors are absorbed here.
 */
class SignallingSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}

let loading: Promise<{ Peer: typeof Peer }> | undefined;

export function loadPeerJs(): Promise<{ Peer: typeof Peer }> {
  loading ??= (async () => {
    const webrtc = await import('node-datachannel/polyfill');
    Object.assign(globalThis, {
      RTCPeerConnection: webrtc.RTCPeerConnection,
      RTCSessionDescription: webrtc.RTCSessionDescription,
      RTCIceCandidate: webrtc.RTCIceCandidate,
      WebSocket: SignallingSocket,
    });
    // Node's CommonJS build exposes only a default export; bundlers see named exports.
    const peerjs: { Peer?: typeof Peer; default?: { Peer?: typeof Peer } } = await import('peerjs');
    const found = peerjs.Peer ?? peerjs.default?.Peer;
    if (found === undefined) throw new Error('peerjs has no Peer export');
    return { Peer: found };
  })();
  return loading;
}
