/**
 * A remote participant in a process of its own, driven by the stress suite over IPC:
 * `drop-participant URL SESSION NAME`. On `join` it joins through the relay and attaches; once
 * FLOWING_CHARS of output have arrived it says `flowing`, and then either the stress suite
 * SIGKILLs the whole process (a machine that vanishes) or sends `close`, which drops the data
 * connection and the peer without a detach (a tab closed mid-flood). After a `close` the same
 * process takes the next `join`, so only the kills pay for a new process.
 */
import { Participant, parseInviteUrl } from '../fixtures/participant.js';
import { loadPeerJs } from '../../native-host/peer/webrtc.js';
import { FLOWING_CHARS, parseCommand, type DropWorkerEvent } from './drop-messages.js';

const [url, session, name = 'Stress participant'] = process.argv.slice(2);
if (url === undefined || session === undefined)
  throw new Error('usage: drop-participant URL SESSION [NAME]');
const link = parseInviteUrl(url);
const sessionId: string = session;

function tell(message: DropWorkerEvent): void {
  process.send?.(message);
}

let current: Participant | undefined;

async function join(): Promise<void> {
  const participant = await Participant.connect(link);
  current = participant;
  let received = 0;
  let flowing = false;
  participant.onEvent((event) => {
    if (event.type !== 'session.output' || event.sessionId !== sessionId || flowing) return;
    received += event.data.length;
    if (received < FLOWING_CHARS) return;
    flowing = true;
    tell({ type: 'flowing' });
  });
  await participant.join(link, name);
  // Pings back every second, as panels and guest pages do: a SIGKILLed one falls silent.
  participant.ping();
  const pinger = setInterval(() => {
    if (participant.closed || current !== participant) clearInterval(pinger);
    else participant.ping();
  }, 1000);
  // No acks: a remote panel does not send them (the agent paces it by its channel's backlog).
  await participant.request('session.attach', { sessionId });
  tell({ type: 'attached' });
}

process.on('message', (value: unknown) => {
  const command = parseCommand(value);
  if (command === 'join') {
    join().catch((error: unknown) => {
      current?.close();
      current = undefined;
      tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    });
  } else if (command === 'close') {
    // Abrupt: no session.detach, the agent learns of it from the data channel alone.
    current?.close();
    current = undefined;
    tell({ type: 'closed' });
  }
});
// The suite is gone: so are we (libdatachannel's threads would otherwise keep us alive).
process.on('disconnect', () => process.exit(0));

await loadPeerJs();
tell({ type: 'ready' });
