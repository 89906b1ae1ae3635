import '../../panel/panel.css';
import '../../team/team.css';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { ViewClient } from '../../lib/view-client.js';
import { TeamPopup } from '../../team/TeamPopup.js';

// The toolbar popup once enrolled in a team (the background sets it; see team-presence.ts).
const client = new ViewClient({ connect: (name) => browser.runtime.connect({ name }) });
const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<TeamPopup client={client} />);
