import './recording-bar.css';
import { useState, useSyncExternalStore } from 'react';
import type { RecordingState, SessionInfo } from '../../protocol/index.js';
import type { SessionTransport } from '../sharing/transport.js';
import { LiveRecordings } from './live-state.js';

const stores = new WeakMap<SessionTransport, LiveRecordings>();

/**
 * One store per transport (the background port, or a joined session's peer link), listening
 * from the first time any panel view asks for it: remote participants see the banner too.
 */
export function liveRecordingsFor(client: SessionTransport): LiveRecordings {
  let store = stores.get(client);
  if (store === undefined) {
    const fresh = new LiveRecordings();
    client.onEvent((event) => fresh.handle(event));
    stores.set(client, fresh);
    store = fresh;
  }
  return store;
}

const LABEL: Record<RecordingState, string> = { on: 'REC', paused: 'Paused', off: '' };

/**
 * The session's recording state in its header: an indicator, the owner's Pause/Resume button,
 * and for a few seconds, in the same row, a banner when recording starts, pauses or resumes.
 */
export function RecordingBar({
  client,
  info,
  owner,
}: {
  client: SessionTransport;
  info: SessionInfo;
  owner: boolean;
}) {
  const store = liveRecordingsFor(client);
  useSyncExternalStore(store.subscribe, store.getVersion);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const live = store.get(info.sessionId);
  const state = live?.state ?? info.recording;
  if (state === 'off') {
    if (live?.stopped === undefined) return null;
    return (
      <div className="rec-banner stopped" role="alert" data-testid="recording-banner">
        {live.stopped}
      </div>
    );
  }
  const banner =
    live?.banner !== undefined && live.banner.until > Date.now() ? live.banner : undefined;
  const toggle = async (): Promise<void> => {
    setBusy(true);
    try {
      const type = state === 'paused' ? 'recording.resume' : 'recording.pause';
      const { recording } = await client.request(type, { sessionId: info.sessionId });
      store.set(info.sessionId, recording);
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className={`recbar rec-${state}`} data-testid="recording-bar" data-state={state}>
      <span className="rec-indicator" title={state === 'on' ? 'Recording' : 'Recording paused'}>
        <span className="rec-dot" /> {LABEL[state]}
      </span>
      {owner && (
        <button
          className="link"
          data-testid="recording-toggle"
          aria-label={state === 'paused' ? 'Resume recording' : 'Pause recording'}
          disabled={busy}
          onClick={() => void toggle()}
        >
          {state === 'paused' ? 'Resume' : 'Pause'}
          <span className="wide-only"> recording</span>
        </button>
      )}
      {error !== undefined && <span className="hint">{error}</span>}
      {/* In the bar's own row, never a row of its own: when it goes after a few seconds nothing
          moves under the pointer, and the terminal keeps its rows (no resize of the PTY). */}
      {banner !== undefined && (
        <span
          className={`rec-banner ${banner.kind}`}
          role="status"
          title={banner.text}
          data-testid="recording-banner"
        >
          {banner.text}
        </span>
      )}
    </div>
  );
}
