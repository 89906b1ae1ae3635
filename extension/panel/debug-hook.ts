import type { DeviceSpec } from '../../protocol/index.js';
import type { SerialSettings, SshProfile } from '../lib/db.js';
import type { LinkState } from '../lib/view-protocol.js';
import type { PanelModel } from './model.js';
import type { SessionSummary } from './panel-hook-types.js';
import { screenRows } from '../recordings/replay-terminal.js';
import { TerminalController } from './terminal.js';

/** What e2e tests and the bench read from the page. Installed only in TANDEM_DEBUG=1 builds. */
export interface TandemHook {
  model: PanelModel;
  /** The visible buffer (scrollback + screen) of a session, lines right-trimmed. */
  text(sessionId?: string): string;
  /** The visible screen rows of a session (not the scrollback), right-trimmed. */
  screen(sessionId?: string): string[];
  sessions(): SessionSummary[];
  open(device: DeviceSpec, name?: string): Promise<string>;
  linkState(): LinkState;
  activeId(): string | undefined;
  sshProfiles(): Promise<SshProfile[]>;
  serialSettings(path: string): Promise<SerialSettings | undefined>;
  /** A terminal like the panel's, outside any session, for baselines. */
  createTerminal(): TerminalController;
}

declare global {
  interface Window {
    __tandem?: TandemHook;
  }
}

export function installDebugHook(model: PanelModel): void {
  window.__tandem = {
    model,
    text(sessionId) {
      const view =
        sessionId === undefined ? model.active : model.sessions.find((s) => s.id === sessionId);
      if (view === undefined) return '';
      const buffer = view.terminal.term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < buffer.length; i++) {
        lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
      }
      return lines.join('\n').replace(/\n+$/, '');
    },
    screen(sessionId) {
      const view =
        sessionId === undefined ? model.active : model.sessions.find((s) => s.id === sessionId);
      return view === undefined ? [] : screenRows(view.terminal.term);
    },
    sessions() {
      return model.sessions.map((s) => ({
        id: s.id,
        name: s.info.name,
        state: s.state,
        lastSeq: s.sequencer.lastSeq,
        writtenChars: s.writtenChars,
        fastForwarded: s.fastForwarded,
      }));
    },
    linkState: () => model.status.state,
    activeId: () => model.active?.id,
    sshProfiles: () => model.db.sshProfiles.toArray(),
    serialSettings: (path) => model.db.serialSettings.get(path),
    async open(device, name) {
      const view = await model.open(device, name);
      return view.id;
    },
    createTerminal() {
      const terminal = new TerminalController(model.fontSize);
      terminal.element.style.cssText = 'position:fixed;left:0;top:0;width:600px;height:400px;';
      document.body.appendChild(terminal.element);
      terminal.open();
      return terminal;
    },
  };
}
