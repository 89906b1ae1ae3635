/** What the stress suite and its participant processes (drop-participant.ts) say over IPC. */

/**
 * Output a participant must have received before it is dropped: well past the echo of the
 * command that starts the flood, so the drop lands while output is pouring onto its channel.
 */
export const FLOWING_CHARS = 32 * 1024;

export type DropWorkerCommand = 'join' | 'close';

export type DropWorkerEvent =
  | { type: 'ready' }
  | { type: 'attached' }
  | { type: 'flowing' }
  | { type: 'closed' }
  | { type: 'failed'; message: string };

export function parseCommand(value: unknown): DropWorkerCommand | undefined {
  return value === 'join' || value === 'close' ? value : undefined;
}

export function parseEvent(value: unknown): DropWorkerEvent | undefined {
  if (typeof value !== 'object' || value === null || !('type' in value)) return undefined;
  switch (value.type) {
    case 'ready':
    case 'attached':
    case 'flowing':
    case 'closed':
      return { type: value.type };
    case 'failed':
      return {
        type: 'failed',
        message: 'message' in value && typeof value.message === 'string' ? value.message : '',
      };
    default:
      return undefined;
  }
}
