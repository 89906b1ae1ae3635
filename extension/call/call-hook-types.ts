/* No imports: the e2e tests type-check this file under their own (Node) configuration. */

/** Per remote caller, what this browser has received: frames decoded and audio bytes. */
export interface ReceiveStats {
  peerId: string;
  framesDecoded: number;
  audioBytes: number;
  /** The connection's id: a device switch must not make a new one. */
  connectionId: string;
  /** The video as received: frames a second and width. */
  fps: number;
  width: number;
  /** The kinds of candidate the other side offered (host, srflx, relay): what it revealed. */
  remoteCandidates: string[];
  /** The kind of this side's candidate in the pair in use: "relay" when media goes via TURN. */
  route: string;
}

/** What e2e tests and the bench read from a call (pop-out window or guest page). */
export interface CallHookView {
  phase(): string;
  /** Tiles as shown: name, status, and the caller's media flags. */
  tiles(): {
    name: string;
    self: boolean;
    status: string;
    camera: boolean;
    muted: boolean;
    screen: boolean;
    speaking: boolean;
  }[];
  /** Per remote caller: video frames decoded and audio bytes received so far. */
  stats(): Promise<ReceiveStats[]>;
  /** Calls turned away because the caller was not on the session's call. */
  refused(): number;
  peerId(): string;
  /** The device chosen for each kind, and the lists. */
  devices(): {
    chosen: Record<string, string | undefined>;
    mic: string[];
    camera: string[];
    speaker: string[];
  };
  /** What the outgoing audio sender carries now (its track's label). */
  sendingAudio(): string[];
  /** The devices this browser remembers for calls (its database). */
  remembered(): Promise<Record<string, string | undefined>>;
  /** What Chrome's own "Stop sharing" bar does: the shared track ends. */
  endShareFromBrowser(): void;
  /** Cuts the connection to one caller, as a network failure would. */
  breakConnection(peerId: string): void;
}
