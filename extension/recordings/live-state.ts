import type { AgentEvent, EventMap, RecordingState } from '../../protocol/index.js';
import { Store } from '../lib/store.js';

/** How long the start/pause/resume banner stays. */
export const BANNER_MS = 6000;

export interface LiveRecording {
  state: RecordingState;
  recordingId?: string;
  /** The transient banner: what happened, and until when to show it. */
  banner?: { text: string; kind: 'start' | 'pause' | 'resume'; until: number };
  /** Recording stopped by itself (the disk is full): shown for as long as it lasts. */
  stopped?: string;
}

/**
 * The next recording status of a session after a `session.recording` event. Every participant
 * gets a banner when recording starts (the first event they see says it is on), pauses or
 * resumes; a repeat of the same state (a re-attach) changes nothing.
 */
export function nextLiveRecording(
  previous: LiveRecording | undefined,
  event: EventMap['session.recording'],
  now: number,
): LiveRecording {
  const base: LiveRecording = { state: event.state };
  if (event.recordingId !== undefined) base.recordingId = event.recordingId;
  if (event.stopped !== undefined) base.stopped = event.stopped;
  if (previous !== undefined && previous.state === event.state) {
    return previous.banner === undefined ? base : { ...base, banner: previous.banner };
  }
  const who = event.by === undefined ? '' : ` by ${event.by.name}`;
  const until = now + BANNER_MS;
  if (event.state === 'paused') {
    return { ...base, banner: { kind: 'pause', text: `Recording paused${who}`, until } };
  }
  if (event.state === 'on') {
    return previous?.state === 'paused'
      ? { ...base, banner: { kind: 'resume', text: `Recording resumed${who}`, until } }
      : { ...base, banner: { kind: 'start', text: 'This session is recorded', until } };
  }
  return base;
}

/** Every session's recording status as this view has heard it, for the panel's React views. */
export class LiveRecordings extends Store {
  private readonly states = new Map<string, LiveRecording>();

  /** Feed with every event the view receives. */
  handle(event: AgentEvent, now = Date.now()): void {
    if (event.type !== 'session.recording') return;
    this.states.set(
      event.sessionId,
      nextLiveRecording(this.states.get(event.sessionId), event, now),
    );
    this.emit();
    setTimeout(() => this.emit(), BANNER_MS + 50);
  }

  get(sessionId: string): LiveRecording | undefined {
    return this.states.get(sessionId);
  }

  /** The state that a request's answer reported (the owner's own pause/resume). */
  set(sessionId: string, state: RecordingState, now = Date.now()): void {
    this.handle({ v: 1, type: 'session.recording', sessionId, state }, now);
  }
}
