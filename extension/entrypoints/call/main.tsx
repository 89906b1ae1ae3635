// The call window: an extension page in a popup window, so the browser can ask for the
// microphone and camera (a side panel cannot). The side panel that opened it holds the session.
import { createRoot } from 'react-dom/client';
import { CallWindow } from '../../call/CallWindow.js';
import { installCallHook } from '../../call/call-hook.js';
import { applyCommand, callStatus } from '../../call/commands.js';
import { deviceMemory } from '../../call/control.js';
import { CallEngine } from '../../call/engine.js';
import { STATUS_MS, WindowControl } from '../../call/window-link.js';

const params = new URLSearchParams(location.search);
const control = new WindowControl(params.get('panel') ?? '', params.get('session') ?? '');
const engine = new CallEngine(control, deviceMemory());
if (__TANDEM_DEBUG__) installCallHook(engine);

// The side panel's strip: its buttons act here; this window reports back every second (and
// the panel leaves the call for a window that stops reporting).
control.onCommand((command) => applyCommand(engine, command));
const report = (): void => control.report(callStatus(engine));
engine.subscribe(report);
setInterval(report, STATUS_MS);
addEventListener('pagehide', () => {
  engine.dispose();
  control.closed();
});

const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(<CallWindow engine={engine} title={params.get('name') ?? 'Call'} />);
