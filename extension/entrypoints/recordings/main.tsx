import '../../panel/panel.css';
import '../../recordings/recordings.css';
import { createRoot } from 'react-dom/client';
import { browser } from 'wxt/browser';
import { TandemDb } from '../../lib/db.js';
import { ViewClient } from '../../lib/view-client.js';
import { whenConnected } from '../../recordings/connected.js';
import { Library } from '../../recordings/library.js';
import { LibraryApp } from '../../recordings/LibraryApp.js';
import { ArtifactList } from '../../artifacts/ArtifactList.js';
import { MemoryList } from '../../memories/MemoryList.js';
import { ProcedureList } from '../../procedures/ProcedureList.js';

const client = new ViewClient({ connect: (name) => browser.runtime.connect({ name }) });
const db = new TandemDb();
const library = new Library(client, db);
const openReplay = (recordingId: string): void => {
  void browser.tabs.create({
    url: new URL(`/replay.html?recording=${encodeURIComponent(recordingId)}`, location.origin).href,
  });
};

const openPage = (path: string): void => {
  void browser.tabs.create({ url: new URL(path, location.origin).href });
};
const openArtifact = (id: number): void => openPage(`/artifact.html?id=${id}`);
const openShared = (id: string): void => openPage(`/artifact.html?team=${encodeURIComponent(id)}`);
const openProcedure = (id: number): void => openPage(`/procedure.html?id=${id}`);

const root = document.getElementById('root');
if (root !== null)
  createRoot(root).render(
    <LibraryApp library={library} openReplay={openReplay}>
      <ArtifactList db={db} open={openArtifact} openShared={openShared} />
      <MemoryList db={db} />
      <ProcedureList db={db} open={openProcedure} />
    </LibraryApp>,
  );
void library
  .loadCached()
  .then(() => whenConnected(client))
  .then(() => library.refresh());
