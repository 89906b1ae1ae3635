import { TandemDb } from '../lib/db.js';
import type { SessionView } from '../panel/session-view.js';
import type { CallControl, ChosenDevices, DeviceMemory } from './engine.js';

/** A call run straight on a session's view: the guest page, and the panel serving its window. */
export function viewCallControl(view: SessionView): CallControl {
  const sessionId = view.id;
  const { transport } = view;
  return {
    async config() {
      const reply = await transport.request('call.config', { sessionId });
      // A joined session's callers use the relay it came through; the agent names its own.
      const relay = transport.callRelay ?? reply.relay;
      if (relay === undefined) throw new Error('the agent named no relay for the call');
      return {
        relay,
        iceServers: reply.iceServers,
        ...(reply.iceTransportPolicy === undefined
          ? {}
          : { iceTransportPolicy: reply.iceTransportPolicy }),
      };
    },
    async join(peerId, media) {
      return (await transport.request('call.join', { sessionId, peerId, ...media })).callers;
    },
    async update(media) {
      await transport.request('call.update', { sessionId, ...media });
    },
    async leave() {
      await transport.request('call.leave', { sessionId });
    },
    onCallers(listener) {
      return view.onCall(listener);
    },
  };
}

const KEYS = { mic: 'call.mic', camera: 'call.camera', speaker: 'call.speaker' } as const;

/** The devices chosen for calls, per browser (the extension's or the guest page's database). */
export function deviceMemory(db = new TandemDb()): DeviceMemory {
  return {
    async load() {
      const rows = await db.settings.bulkGet(Object.values(KEYS));
      const chosen: ChosenDevices = {};
      (Object.keys(KEYS) as (keyof ChosenDevices)[]).forEach((kind, i) => {
        const value = rows[i]?.value;
        if (typeof value === 'string' && value !== '') chosen[kind] = value;
      });
      return chosen;
    },
    async save(chosen) {
      await db.settings.bulkPut(
        (Object.keys(KEYS) as (keyof ChosenDevices)[]).map((kind) => ({
          key: KEYS[kind],
          value: chosen[kind] ?? '',
        })),
      );
    },
  };
}
