/** A remote viewer in its own process, so the share bench can freeze it (SIGSTOP) to throttle it. */
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

const [url, sessionId] = process.argv.slice(2);
if (url === undefined || sessionId === undefined)
  throw new Error('usage: viewer-process URL SESSION');
const link = parseInviteUrl(url);
const viewer = await Participant.connect(link);
await viewer.join(link, 'Throttled viewer');
await viewer.request('session.attach', { sessionId });
process.stdout.write('ready\n');
