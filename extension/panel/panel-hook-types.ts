/* No imports: the e2e tests type-check this file under their own (Node) configuration. */

/** One session as the panel's test hook lists it (`window.__tandem.sessions()`). */
export interface SessionSummary {
  id: string;
  name: string;
  state: string;
  lastSeq: number;
  /** Output characters written into the terminal, parsed or fast-forwarded. */
  writtenChars: number;
  /** Output characters fast-forwarded through rather than parsed. */
  fastForwarded: number;
}
