import '../../panel/panel.css';
import '../../recordings/recordings.css';
import { createRoot } from 'react-dom/client';
import { ArtifactApp, SharedArtifactApp } from '../../artifacts/ArtifactApp.js';
import { TandemDb } from '../../lib/db.js';

// `?id=<n>`: one of this browser's artifacts. `?team=<id>`: a teammate's, from the team relay.
const params = new URLSearchParams(location.search);
const team = params.get('team');
const db = new TandemDb();
const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(
    team === null ? (
      <ArtifactApp db={db} id={Number(params.get('id'))} />
    ) : (
      <SharedArtifactApp db={db} resourceId={team} />
    ),
  );
