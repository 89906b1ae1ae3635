/**
 * PeerJS expects a browser: WebRTC and WebSocket globals. In the agent they come from
 * @roamhq/wrtc (a prebuilt libwebrtc shipped in its platform package) and ws. Installed once,
 * before peerjs is first imported. In Node, `Peer` comes from peerjs's default export.
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
    const wrtc = (await import('@roamhq/wrtc')).default;
    Object.assign(globalThis, {
      RTCPeerConnection: wrtc.RTCPeerConnection,
      RTCSessionDescription: wrtc.RTCSessionDescription,
      RTCIceCandidate: wrtc.RTCIceCandidate,
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
