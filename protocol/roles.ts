import type { RequestType } from './messages.js';

export const ROLES = ['owner', 'coworker', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may send which request. This table is the only statement of the rules; the agent's
 * dispatcher enforces it in one place. Requests absent from the table are owner-only.
 */
const RULES: Partial<Record<RequestType, readonly Role[]>> = {
  hello: ['owner', 'coworker', 'viewer'],
  'session.list': ['owner', 'coworker', 'viewer'],
  'session.attach': ['owner', 'coworker', 'viewer'],
  'session.detach': ['owner', 'coworker', 'viewer'],
  'session.ack': ['owner', 'coworker', 'viewer'],
  'session.input': ['owner', 'coworker'],
  'session.resize': ['owner', 'coworker'],
  'session.break': ['owner', 'coworker'],
  // Anyone typing may drop a marker; pausing, reading, deleting and settings stay with the owner
  // until sharing defines which recordings a participant may read.
  'recording.mark': ['owner', 'coworker'],
  'chat.send': ['owner', 'coworker', 'viewer'],
  // The Copilot reads what everyone already sees: viewers may ask it too.
  'copilot.ask': ['owner', 'coworker', 'viewer'],
  'copilot.thread': ['owner', 'coworker', 'viewer'],
  'copilot.preview': ['owner', 'coworker', 'viewer'],
  'copilot.question': ['owner', 'coworker', 'viewer'],
  'keyboard.request': ['owner', 'coworker', 'viewer'],
  // A viewer may talk even though it cannot type.
  'call.config': ['owner', 'coworker', 'viewer'],
  'call.join': ['owner', 'coworker', 'viewer'],
  'call.update': ['owner', 'coworker', 'viewer'],
  'call.leave': ['owner', 'coworker', 'viewer'],
};

export function isAllowed(role: Role, type: RequestType): boolean {
  const allowed = RULES[type] ?? ['owner'];
  return allowed.includes(role);
}
