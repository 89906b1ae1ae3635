import { Peer } from 'peerjs';
import type { GuestView } from './guest-hook-types.js';
import type { GuestModel } from './guest-model.js';

/** What e2e tests read from the guest page. Installed only in TANDEM_DEBUG=1 builds. */
export interface GuestHook extends GuestView {
  model: GuestModel;
}

declare global {
  interface Window {
    __tandemGuest?: GuestHook;
  }
}

export function installGuestHook(model: GuestModel): void {
  window.__tandemGuest = {
    model,
    text() {
      const buffer = model.view?.terminal.term.buffer.active;
      if (buffer === undefined) return '';
      const lines: string[] = [];
      for (let i = 0; i < buffer.length; i++)
        lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
      return lines.join('\n').replace(/\n+$/, '');
    },
    role: () => model.view?.role,
    route: async () => (await model.link?.route()) ?? null,
    state: () => model.view?.state,
    link: () => model.link?.status.state,
    view() {
      const view = model.view;
      if (view === undefined) return undefined;
      const { cols, rows } = view.terminal.term;
      return { cols, rows, scale: view.terminal.scale };
    },
    async askCopilot(action) {
      const view = model.view;
      if (view === undefined) return 'no view';
      try {
        await view.transport.request('copilot.ask', { sessionId: view.id, action });
        return 'answered';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
    async probeCall(peerId) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      const port = Number(location.port || (location.protocol === 'https:' ? 443 : 80));
      const peer = new Peer(`tcall-stranger-${crypto.randomUUID()}`, {
        host: location.hostname,
        port,
        path: '/peer',
        secure: location.protocol === 'https:',
        debug: 0,
      });
      try {
        await new Promise((resolve, reject) => {
          peer.once('open', resolve);
          peer.once('error', reject);
        });
        const call = peer.call(peerId, stream);
        return await new Promise<'answered' | 'refused'>((resolve) => {
          const timer = setTimeout(() => resolve('refused'), 8000);
          call.on('stream', () => {
            clearTimeout(timer);
            resolve('answered');
          });
        });
      } finally {
        peer.destroy();
        for (const track of stream.getTracks()) track.stop();
      }
    },
  };
}
