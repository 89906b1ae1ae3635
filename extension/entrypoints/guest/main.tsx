// The guest page: a plain web page served by the relay (no chrome.* APIs here).
import '@xterm/xterm/css/xterm.css';
import '../../panel/panel.css';
import { createRoot } from 'react-dom/client';
import { GuestModel } from '../../sharing/guest-model.js';
import { GuestApp } from '../../sharing/GuestApp.js';
import { installGuestHook } from '../../sharing/guest-hook.js';

const model = new GuestModel(location.href);
if (__TANDEM_DEBUG__) installGuestHook(model);

const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<GuestApp model={model} />);
