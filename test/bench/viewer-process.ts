/**
 * Remote viewers in a process of their own: `viewer-process URL SESSION COUNT NAME`. Viewers
 * are other people's machines; here they share the bench's two cores, but at least not the
 * event loop that times the owner's echo. The share bench also freezes one such process
 * (SIGSTOP) to play a throttled viewer.
 */
import { Participant, parseInviteUrl } from '../fixtures/participant.js';

const [url, sessionId, count = '1', name = 'Viewer'] = process.argv.slice(2);
if (url === undefined || sessionId === undefined)
  throw new Error('usage: viewer-process URL SESSION [COUNT] [NAME]');
const link = parseInviteUrl(url);
for (let i = 1; i <= Number(count); i++) {
  const viewer = await Participant.connect(link);
  await viewer.join(link, `${name} ${i}`);
  // No acks: a remote panel does not send them (the agent paces it by its channel's backlog).
  await viewer.request('session.attach', { sessionId });
}
process.stdout.write('ready\n');
