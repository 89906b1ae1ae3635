import type { ViewClient } from '../lib/view-client.js';

/** Resolves once the background's link to the agent is up (requests fail before that). */
export function whenConnected(client: Pick<ViewClient, 'status' | 'onStatus'>): Promise<void> {
  if (client.status.state === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const off = client.onStatus((status) => {
      if (status.state !== 'connected') return;
      off();
      resolve();
    });
  });
}
