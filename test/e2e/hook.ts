/**
 * The page hook (extension/panel/debug-hook.ts) as tests see it: the part they call, typed
 * here because the extension's modules build for the browser, not for Node.
 */
import type { CallHookView } from '../../extension/call/call-hook-types.js';
import type { GuestView } from '../../extension/sharing/guest-hook-types.js';
import type { SessionSummary } from '../../extension/panel/panel-hook-types.js';

export interface PageHook {
  text(sessionId?: string): string;
  sessions(): SessionSummary[];
  linkState(): string;
  activeId(): string | undefined;
  sshProfiles(): Promise<{ name: string; host: string; port: number; username: string }[]>;
  serialSettings(path: string): Promise<{ baudRate: number } | undefined>;
  open(device: { kind: string } & Record<string, unknown>, name?: string): Promise<string>;
  createTerminal(): {
    term: {
      write(data: string, callback?: () => void): void;
      cols: number;
      rows: number;
      selectLines(start: number, end: number): void;
      clearSelection(): void;
      buffer: { active: { baseY: number } };
    };
    element: HTMLElement;
    dispose(): void;
  };
  model: {
    client: { request(type: string, ...rest: unknown[]): Promise<unknown> };
    fontSize: number;
    db: { settings: { get(key: string): Promise<{ value: unknown } | undefined> } };
    sessions: {
      id: string;
      info: { recordingId?: string; cols: number; rows: number };
      writtenChars: number;
      terminal: {
        term: {
          cols: number;
          rows: number;
          input(data: string, wasUserInput?: boolean): void;
          options: { fontSize?: number };
          selectLines(start: number, end: number): void;
          buffer: {
            active: {
              length: number;
              getLine(y: number): { translateToString(trimRight?: boolean): string } | undefined;
            };
          };
        };
        /** The rows and columns its pane holds. */
        hostSize(): { cols: number; rows: number } | undefined;
      };
      nextWrite(): Promise<void>;
      /** The owner's sessions: the device's memories, once the agent said what it is. */
      memories?: { target?: { key: string; label: string }; memories: { text: string }[] };
      role: string;
      pin(size: { cols: number; rows: number } | undefined): void;
    }[];
    close(id: string): Promise<void>;
    activate(id: string): void;
    /** Joins a shared session by its invite link, as the join form does. */
    join(url: string, name: string): Promise<{ id: string }>;
  };
}

/** The slice of the extension API that page-side bench code calls. */
interface NativePortLike {
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: Record<string, unknown>) => void): void };
}

declare global {
  interface Window {
    __tandem?: PageHook;
    __tandemGuest?: GuestView;
    __tandemCall?: CallHookView;
  }
  const chrome: { runtime: { connectNative(name: string): NativePortLike } };
}
