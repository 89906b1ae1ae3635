import type { CallWindowStatus } from '../panel/session-view.js';
import type { CallEngine } from './engine.js';
import type { CallCommand } from './window-link.js';

/** A session bar button acting on this browser's call. */
export function applyCommand(engine: CallEngine, command: CallCommand): void {
  if (command === 'mute' || command === 'unmute') engine.setMuted(command === 'mute');
  else if (command === 'camera-on' || command === 'camera-off')
    engine.setCamera(command === 'camera-on');
  else void engine.leave();
}

/** What the session bar shows of this browser's call. */
export function callStatus(engine: CallEngine): CallWindowStatus {
  const speaking = engine.tiles().find((t) => t.speaking);
  return {
    inCall: engine.phase === 'in-call',
    muted: engine.muted,
    camera: engine.camera,
    screen: engine.screen,
    ...(speaking?.participantId === undefined ? {} : { speakerId: speaking.participantId }),
  };
}
