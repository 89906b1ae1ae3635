import type { CallHookView } from './call-hook-types.js';
import type { CallEngine } from './engine.js';

export interface CallHook extends CallHookView {
  engine: CallEngine;
}

declare global {
  interface Window {
    __tandemCall?: CallHook;
  }
}

/** Installed only in TANDEM_DEBUG=1 builds. */
export function installCallHook(engine: CallEngine): void {
  window.__tandemCall = {
    engine,
    phase: () => engine.phase,
    tiles: () =>
      engine.tiles().map(({ name, self, status, camera, muted, screen, speaking }) => ({
        name,
        self,
        status,
        camera,
        muted,
        screen,
        speaking,
      })),
    stats: () => engine.stats(),
    refused: () => engine.refused,
    peerId: () => engine.peerId,
    devices: () => ({
      chosen: { ...engine.chosen },
      mic: engine.devices.mic.map((d) => d.deviceId),
      camera: engine.devices.camera.map((d) => d.deviceId),
      speaker: engine.devices.speaker.map((d) => d.deviceId),
    }),
    sendingAudio: () => engine.sendingAudio(),
    remembered: async () => ({ ...(await engine.remembered()) }),
    endShareFromBrowser: () => engine.endShareForTest(),
    breakConnection: (peerId) => engine.breakForTest(peerId),
  };
}
