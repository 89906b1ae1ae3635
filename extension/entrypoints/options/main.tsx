import '../../panel/panel.css';
import '../../team/team.css';
import { createRoot } from 'react-dom/client';
import { TeamSettings } from '../../team/TeamSettings.js';

const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(
    <main className="options-page">
      <h1>Tandem</h1>
      <TeamSettings />
    </main>,
  );
