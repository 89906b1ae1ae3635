import '../../panel/panel.css';
import '../../recordings/recordings.css';
import { createRoot } from 'react-dom/client';
import { TandemDb } from '../../lib/db.js';
import { ProcedurePage } from '../../procedures/ProcedurePage.js';

const id = Number(new URLSearchParams(location.search).get('id'));
const root = document.getElementById('root');
if (root !== null) createRoot(root).render(<ProcedurePage db={new TandemDb()} id={id} />);
