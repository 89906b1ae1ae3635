import '../../panel/panel.css';
import '../../recordings/recordings.css';
import { createRoot } from 'react-dom/client';
import { ArtifactApp } from '../../artifacts/ArtifactApp.js';
import { TandemDb } from '../../lib/db.js';

const id = Number(new URLSearchParams(location.search).get('id'));
const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<ArtifactApp db={new TandemDb()} id={id} />);
