import { DeviceEvents, type Device } from './device.js';

/** Echoes input back as output. Exists for fast, deterministic tests, not to replace real devices. */
export function openEcho(): Device {
  const events = new DeviceEvents();
  let paused = false;
  let held: Buffer[] = [];
  return {
    description: { kind: 'echo', label: 'echo' },
    onData: (l) => events.onData(l),
    onExit: (l) => events.onExit(l),
    onLinkState: (l) => events.onLinkState(l),
    write(data) {
      if (events.hasExited) return;
      const bytes = Buffer.from(data, 'utf8');
      if (paused) held.push(bytes);
      else events.emitData(bytes);
    },
    resize() {},
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      const pending = held;
      held = [];
      for (const bytes of pending) events.emitData(bytes);
    },
    close() {
      events.emitExit({ reason: 'echo device closed' });
      return Promise.resolve();
    },
  };
}
