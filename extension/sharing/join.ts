import { SessionView } from '../panel/session-view.js';
import { parseInviteLink } from './invite-link.js';
import { PeerLink } from './peer-link.js';

export interface JoinedSession {
  view: SessionView;
  link: PeerLink;
}

/**
 * Joins a shared session from an invite link and wires it to a view: events in, re-attach
 * (from the last seq + 1) after every re-join, and the link's state shown on the view.
 */
export async function joinSession(
  url: string,
  name: string,
  fontSize: number,
  changed: () => void,
  memberTicket?: string,
): Promise<JoinedSession> {
  const invite = parseInviteLink(url);
  if (invite === undefined)
    throw new Error('That is not a Tandem invite link — copy the whole link from the owner.');
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 64) throw new Error('Enter your name (up to 64 letters).');
  const link = new PeerLink(invite, trimmed, memberTicket);
  let joined;
  try {
    joined = await link.join();
  } catch (error) {
    link.close();
    throw error;
  }
  const view = new SessionView(link, joined.session, fontSize, changed, true);
  view.selfId = joined.participantId;
  view.setRole(joined.role);
  link.onEvent((event) => {
    if (event.sessionId === view.id) view.handle(event);
  });
  link.onRejoin(() => void view.attach());
  link.onStatus((status) => {
    if (status.state === 'joined') view.message = undefined;
    else if (status.state === 'reconnecting') {
      view.state = 'disconnected';
      view.message = status.message;
    } else if (view.state !== 'exited') {
      view.state = 'ended';
      view.message = status.message;
    }
    changed();
  });
  await view.attach();
  return { view, link };
}
