/* No imports: the e2e tests type-check this file under their own (Node) configuration. */

/** What e2e tests and the bench read from the replay page. Only in TANDEM_DEBUG=1 builds. */
export interface ReplayHook {
  /** The index is loaded and the first screen shown. */
  ready(): boolean;
  durationMs(): number;
  keyframes(): number;
  seek(t: number): Promise<string[]>;
  /** The visible rows of the replay screen, right-trimmed. */
  screen(): string[];
  size(): { cols: number; rows: number };
  time(): number;
  activityProgress(): number;
  find(query: string): Promise<{ t: number; snippet: string }[]>;
}
