/* No imports: the e2e tests type-check this file under their own (Node) configuration. */

/** What the guest page shows, as e2e tests read it (guest-hook.ts adds the model). */
export interface GuestView {
  text(): string;
  role(): string | undefined;
  state(): string | undefined;
  /** The data connection's state: connecting, joined, reconnecting, refused or closed. */
  link(): string | undefined;
  /**
   * How the data connection travels: the selected local candidate's type ("relay" is through
   * TURN) and the types of the candidates the agent sent. Null before it is connected.
   */
  route(): Promise<{ route: string; remoteCandidates: string[] } | null>;
  /** The terminal's own size and the CSS scale it is shown at. */
  view(): { cols: number; rows: number; scale: number } | undefined;
  /** Asks the Copilot straight through the link, past the pane (rate-limit tests). */
  askCopilot(action: 'catchup' | 'changes' | 'handoff' | 'procedure'): Promise<string>;
  /**
   * A stranger's media call: a new peer on this page's relay, not on the session's call, calls
   * `peerId` with a camera stream. "answered" if media came back within 8 s, else "refused".
   */
  probeCall(peerId: string): Promise<'answered' | 'refused'>;
}
