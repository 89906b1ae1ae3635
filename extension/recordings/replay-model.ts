import type { Terminal } from '@xterm/xterm';
import { allPages, mergeIndexPages, type RecordingIndex } from '../../protocol/index.js';
import { ActivityBuilder, type CommandMarker, type TypingSpan } from './activity.js';
import { parseEventLine, peekEventLine } from './events.js';
import { Player } from './player.js';
import { TextSearch, type SearchHit } from './search.js';
import { scanLines, type RecordingApi } from './source.js';
import { Store } from '../lib/store.js';

export interface ActivityState {
  spans: TypingSpan[];
  commands: CommandMarker[];
  /** 0…1 while the input scan runs; 1 when done. */
  progress: number;
}

export interface SearchState {
  query: string;
  hits: SearchHit[];
  progress: number;
  running: boolean;
}

/**
 * The replay page's state outside React: the recording's index, the player, the typist lane
 * and command markers (one background scan of the input events), and text search.
 */
export class ReplayModel extends Store {
  index: RecordingIndex | undefined;
  player: Player | undefined;
  /** The first frame is on screen. */
  opened = false;
  error: string | undefined;
  activity: ActivityState = { spans: [], commands: [], progress: 0 };
  search: SearchState = { query: '', hits: [], progress: 0, running: false };
  private searchAbort: AbortController | undefined;

  constructor(
    readonly api: RecordingApi,
    readonly recordingId: string,
    readonly term: Terminal,
  ) {
    super();
  }

  /**
   * Loads the index and shows the first frame, or the screen at `startAt` (ms; a link from the
   * Copilot's list of state changes opens the replay at the command); then scans the input
   * events in the background.
   */
  async load(startAt?: number): Promise<void> {
    try {
      const { recordingId } = this;
      const index = mergeIndexPages(
        await allPages((cursor) =>
          this.api.request(
            'recording.index',
            cursor === undefined ? { recordingId } : { recordingId, cursor },
          ),
        ),
      );
      this.index = index;
      const player = new Player(this.api, index, this.term);
      player.onChange(() => this.emit());
      this.player = player;
      this.emit();
      await player.seek(
        startAt === undefined
          ? await player.firstFrameTime()
          : Math.min(Math.max(0, startAt), index.durationMs),
      );
      this.opened = true;
      this.emit();
      void this.scanActivity(index);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.emit();
    }
  }

  private async scanActivity(index: RecordingIndex): Promise<void> {
    const builder = new ActivityBuilder();
    try {
      await scanLines(
        this.api,
        index.recordingId,
        index.eventsOffset,
        index.bytes,
        (line) => {
          const code = peekEventLine(line)?.code;
          if (code !== 'i' && code !== 's') return;
          const event = parseEventLine(line);
          if (event?.code === 'i') builder.input(event.t, event.participantId, event.data);
          else if (event?.code === 's') builder.input(event.t, event.participantId, undefined);
        },
        (progress) => {
          this.activity = { spans: [...builder.spans], commands: [...builder.commands], progress };
          this.emit();
        },
      );
    } catch {
      this.activity = { ...this.activity, progress: 1 };
      this.emit();
    }
  }

  /** Finds `query` in the output, front to back; hits appear as they are found. */
  async find(query: string): Promise<SearchHit[]> {
    this.searchAbort?.abort();
    const index = this.index;
    if (index === undefined || query.trim() === '') {
      this.search = { query, hits: [], progress: 0, running: false };
      this.emit();
      return [];
    }
    const abort = new AbortController();
    this.searchAbort = abort;
    const search = new TextSearch(query);
    this.search = { query, hits: [], progress: 0, running: true };
    this.emit();
    try {
      await scanLines(
        this.api,
        index.recordingId,
        index.eventsOffset,
        index.bytes,
        (line) => {
          if (peekEventLine(line)?.code !== 'o') return;
          const event = parseEventLine(line);
          if (event?.code === 'o') search.feed(event.t, event.data);
          return !search.full;
        },
        (progress) => {
          if (abort.signal.aborted) return;
          this.search = { query, hits: [...search.hits], progress, running: progress < 1 };
          this.emit();
        },
        abort.signal,
      );
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
    if (!abort.signal.aborted) {
      this.search = { query, hits: [...search.hits], progress: 1, running: false };
      this.emit();
    }
    return search.hits;
  }
}
