import { describe, expect, it } from 'vitest';
import type { ParticipantInfo } from '../../protocol/index.js';
import { activityOf, parseActivity } from './activity.js';

const person = (local: boolean, waiting = false): ParticipantInfo => ({
  id: local ? 'local:ada' : 'guest:bob',
  name: local ? 'Ada' : 'Bob',
  role: local ? 'owner' : 'viewer',
  color: '#61afef',
  typing: false,
  local,
  waiting,
});

const session = (
  participants: ParticipantInfo[],
  recording: 'on' | 'paused' | 'off' = 'on',
  state = 'running',
) => ({ state, info: { sessionId: 's1', recording }, presence: { participants } });

describe('activityOf', () => {
  it('says live only when someone else is in (not waiting in the lobby)', () => {
    expect(activityOf([session([person(true)])], () => undefined)).toEqual({
      live: false,
      recording: true,
    });
    expect(activityOf([session([person(true), person(false, true)])], () => undefined).live).toBe(
      false,
    );
    expect(activityOf([session([person(true), person(false)])], () => undefined).live).toBe(true);
  });

  it('follows a pause, and ignores sessions that ended', () => {
    expect(activityOf([session([person(true)])], () => 'paused').recording).toBe(false);
    expect(activityOf([session([person(true), person(false)], 'on', 'ended')], () => 'on')).toEqual(
      {
        live: false,
        recording: false,
      },
    );
  });
});

describe('parseActivity', () => {
  it('takes only two booleans', () => {
    expect(parseActivity({ live: true, recording: false })).toEqual({
      live: true,
      recording: false,
    });
    expect(parseActivity({ live: 'yes', recording: false })).toBeUndefined();
    expect(parseActivity(null)).toBeUndefined();
  });
});
