import { describe, expect, it } from 'vitest';
import { BANNER_MS, LiveRecordings, nextLiveRecording } from './live-state.js';

const ev = (state: 'on' | 'paused' | 'off', by?: string) => ({
  sessionId: 's1',
  state,
  recordingId: 'r1',
  ...(by === undefined ? {} : { by: { id: `id-${by}`, name: by } }),
});

describe('nextLiveRecording', () => {
  it('announces start, pause and resume, and ignores a repeat', () => {
    const started = nextLiveRecording(undefined, ev('on'), 1000);
    expect(started.banner).toEqual({
      kind: 'start',
      text: 'This session is recorded',
      until: 1000 + BANNER_MS,
    });
    const paused = nextLiveRecording(started, ev('paused', 'Ann'), 2000);
    expect(paused).toMatchObject({
      state: 'paused',
      banner: { kind: 'pause', text: 'Recording paused by Ann' },
    });
    const again = nextLiveRecording(paused, ev('paused', 'Ann'), 9000);
    expect(again.banner?.until).toBe(2000 + BANNER_MS);
    const resumed = nextLiveRecording(again, ev('on', 'Ann'), 3000);
    expect(resumed.banner).toMatchObject({ kind: 'resume', text: 'Recording resumed by Ann' });
    expect(nextLiveRecording(undefined, ev('off'), 0).banner).toBeUndefined();
  });
});

describe('a recording that stopped by itself', () => {
  it('keeps the reason for as long as the state lasts, for a banner that does not time out', () => {
    const on = nextLiveRecording(undefined, ev('on'), 0);
    const stopped = nextLiveRecording(
      on,
      { ...ev('off'), stopped: 'Recording stopped: the disk is full' },
      1000,
    );
    expect(stopped).toMatchObject({ state: 'off', stopped: 'Recording stopped: the disk is full' });
    const reattached = nextLiveRecording(
      stopped,
      { ...ev('off'), stopped: 'Recording stopped: the disk is full' },
      99_000,
    );
    expect(reattached.stopped).toBe('Recording stopped: the disk is full');
    expect(nextLiveRecording(undefined, ev('off'), 0).stopped).toBeUndefined();
  });
});

describe('LiveRecordings', () => {
  it('keeps each session apart and ignores other events', () => {
    const store = new LiveRecordings();
    store.handle({ v: 1, type: 'session.recording', sessionId: 'a', state: 'on' }, 0);
    store.handle({ v: 1, type: 'session.output', sessionId: 'a', seq: 1, data: 'x' }, 0);
    store.set('b', 'paused', 0);
    expect(store.get('a')?.state).toBe('on');
    expect(store.get('b')?.state).toBe('paused');
    expect(store.get('c')).toBeUndefined();
  });
});
