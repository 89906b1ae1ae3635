import '@xterm/xterm/css/xterm.css';
import '../../panel/panel.css';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { TandemDb } from '../../lib/db.js';
import { HOST_NAME } from '../../lib/agent-link.js';
import { directViewClient } from '../../lib/direct-client.js';
import { App } from '../../panel/App.js';
import { installDebugHook } from '../../panel/debug-hook.js';
import { PanelModel } from '../../panel/model.js';
import { takePendingJoins } from '../../team/pending-join.js';
import { keepTeamSharing } from '../../team/team-sharing.js';
import { activityOf, reportActivity } from '../../team/activity.js';
import { liveRecordingsFor } from '../../recordings/RecordingBar.js';

// The panel holds its own link (native port, then the agent's loopback socket): a terminal's
// output skips the service worker.
const client = directViewClient(
  () => browser.runtime.connectNative(HOST_NAME),
  () => browser.runtime.lastError?.message,
);
const model = new PanelModel(client, new TandemDb());
if (__TANDEM_DEBUG__) installDebugHook(model);
// The toolbar badge says LIVE or REC while this panel has such a session open.
const recordings = liveRecordingsFor(client);
reportActivity(
  () => activityOf(model.sessions, (id) => recordings.get(id)?.state),
  (listener) => {
    model.subscribe(listener);
    recordings.subscribe(listener);
  },
);
// Enrolled in a team: the agent shares through the team relay, under the member name.
keepTeamSharing(client);
// "Join" in the team popup or an invite notification leaves the invite for the panel.
takePendingJoins(
  (url, name, ticket) => model.join(url, name, ticket),
  (message) => model.setNotice(`Could not join: ${message}`),
);

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<App model={model} />);
