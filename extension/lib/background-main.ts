import { browser } from 'wxt/browser';
import { TeamPresence } from '../team/team-presence.js';
import { AgentLink, HOST_NAME } from './agent-link.js';
import { ViewHub } from './view-hub.js';
import { VIEW_PORT_NAME } from './view-protocol.js';

export const OPEN_PANEL_COMMAND = 'open-side-panel';

/**
 * Wires the background worker: one agent link for the pages that talk through it (recordings,
 * replay), views on runtime ports, the panel opener.
 */
export function startBackground(): void {
  const link = new AgentLink({
    connect: () => browser.runtime.connectNative(HOST_NAME),
    disconnectReason: () => browser.runtime.lastError?.message,
  });
  const hub = new ViewHub(link);
  browser.runtime.onConnect.addListener((port) => {
    if (port.name === VIEW_PORT_NAME) hub.addView(port);
  });
  // The toolbar icon opens the side panel (or, for a team member, the team popup, which opens
  // it too: see TeamPresence); so does the keyboard shortcut.
  const team = new TeamPresence();
  team.install();
  if (__TANDEM_DEBUG__) Object.assign(globalThis, { __tandemTeam: team });
  browser.commands.onCommand.addListener((command, tab) => {
    if (command !== OPEN_PANEL_COMMAND || tab?.windowId === undefined) return;
    void browser.sidePanel.open({ windowId: tab.windowId }).catch(() => undefined);
  });
  // No link until a view asks for one (addView connects): the side panel holds its own native
  // port, so a background that serves no page costs no host process.
}
