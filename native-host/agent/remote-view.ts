import type { AgentMessage, Participant } from '../../protocol/index.js';

/** The owner's views as remote participants know them: one opaque id, whatever the Unix user. */
export const REMOTE_HOST_ID = 'local:host';
/** The owner's name for remote participants when sharing.json names none. */
export const DEFAULT_DISPLAY_NAME = 'Host';

const LOCAL_PREFIX = 'local:';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * What a remote participant sees of a message. The owner's own views are `local:<os user>`
 * named after the Unix account (useful on the owner's screen and in their recordings); a guest
 * with a viewer link has no business learning the account name of the machine it reaches, so
 * every participant record of the owner (in `session.participants`, chat, notices, recording
 * banners) goes out with `REMOTE_HOST_ID` and the display name instead, and notice texts that
 * start with the owner's name say the display name.
 *
 * Works on any message shape, so a new event that carries a participant is covered without
 * a list kept here. Terminal output never comes through here (it carries no participant).
 */
export function forRemote(message: AgentMessage, displayName: string): AgentMessage {
  const local: { name?: string } = {};
  // A copy of what is on its way out: the agent keeps its own objects as they are. The walk
  // returns the same JSON shape it was given, so the message type still holds.
  const scrubbed = scrub(message as unknown as Json, displayName, local) as unknown as AgentMessage;
  if (
    scrubbed.type === 'session.notice' &&
    scrubbed.participant.id === REMOTE_HOST_ID &&
    local.name !== undefined &&
    scrubbed.text.startsWith(local.name)
  ) {
    scrubbed.text = displayName + scrubbed.text.slice(local.name.length);
  }
  return scrubbed;
}

function scrub(value: Json, displayName: string, local: { name?: string }): Json {
  if (Array.isArray(value)) return value.map((item) => scrub(item, displayName, local));
  if (typeof value !== 'object' || value === null) return value;
  const copy: { [key: string]: Json } = {};
  for (const [key, item] of Object.entries(value)) copy[key] = scrub(item, displayName, local);
  if (isLocalParticipant(copy)) {
    local.name = copy.name;
    copy.id = REMOTE_HOST_ID;
    copy.name = displayName;
  }
  return copy;
}

function isLocalParticipant(value: { [key: string]: Json }): value is Participant & {
  [key: string]: Json;
} {
  return (
    typeof value.id === 'string' &&
    value.id.startsWith(LOCAL_PREFIX) &&
    typeof value.name === 'string'
  );
}
