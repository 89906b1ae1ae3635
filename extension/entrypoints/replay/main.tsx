import '@xterm/xterm/css/xterm.css';
import '../../panel/panel.css';
import '../../recordings/recordings.css';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { TandemDb } from '../../lib/db.js';
import { ViewClient } from '../../lib/view-client.js';
import { whenConnected } from '../../recordings/connected.js';
import { ReplayApp } from '../../recordings/ReplayApp.js';
import { ReplayModel } from '../../recordings/replay-model.js';
import { installReplayHook } from '../../recordings/replay-hook.js';
import { createReplayTerminal } from '../../recordings/replay-terminal.js';

const client = new ViewClient({ connect: (name) => browser.runtime.connect({ name }) });
const params = new URLSearchParams(location.search);
const recordingId = params.get('recording') ?? '';
// `&t=` (ms into the recording): open at that moment instead of the first frame.
const startAt = params.has('t') ? Number(params.get('t')) : Number.NaN;
const { term, search } = createReplayTerminal(80, 24);
const model = new ReplayModel(client, recordingId, term);
if (__TANDEM_DEBUG__) installReplayHook(model);

const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(<ReplayApp model={model} search={search} db={new TandemDb()} />);
void whenConnected(client).then(() => model.load(Number.isFinite(startAt) ? startAt : undefined));
