import { browser } from 'wxt/browser';
import type { ParticipantInfo, RecordingState } from '../../protocol/index.js';

/** The port a side panel reports its sessions' activity on, for the toolbar badge. */
export const ACTIVITY_PORT = 'tandem-activity';

export interface Activity {
  /** Someone else is in one of your open sessions. */
  live: boolean;
  /** One of your open sessions is being recorded. */
  recording: boolean;
}

export const IDLE_ACTIVITY: Activity = { live: false, recording: false };

interface SessionLike {
  state: string;
  info: { sessionId: string; recording: RecordingState };
  presence: { participants: ParticipantInfo[] };
}

/** What the badge says of these sessions: live beats recording. */
export function activityOf(
  sessions: readonly SessionLike[],
  recordingOf: (sessionId: string) => RecordingState | undefined,
): Activity {
  const running = sessions.filter((s) => s.state === 'running');
  return {
    live: running.some((s) => s.presence.participants.some((p) => !p.local && !p.waiting)),
    recording: running.some((s) => (recordingOf(s.info.sessionId) ?? s.info.recording) === 'on'),
  };
}

export function parseActivity(message: unknown): Activity | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  if (!('live' in message) || !('recording' in message)) return undefined;
  return typeof message.live === 'boolean' && typeof message.recording === 'boolean'
    ? { live: message.live, recording: message.recording }
    : undefined;
}

/**
 * The side panel's half: reports its activity whenever it changes, on a port whose end (the
 * panel closing) clears it, so the badge never claims a session nobody has open.
 */
export function reportActivity(
  current: () => Activity,
  subscribe: (listener: () => void) => void,
): void {
  let port: ReturnType<typeof browser.runtime.connect> | undefined;
  let last = '';
  const send = (): void => {
    const activity = current();
    const text = JSON.stringify(activity);
    if (text === last && port !== undefined) return;
    last = text;
    try {
      if (port === undefined) {
        const opened = browser.runtime.connect({ name: ACTIVITY_PORT });
        // The worker restarted: the next change opens a new port and says it all again.
        opened.onDisconnect.addListener(() => {
          port = undefined;
          last = '';
        });
        port = opened;
      }
      port.postMessage(activity);
    } catch {
      port = undefined;
    }
  };
  subscribe(send);
  send();
}
