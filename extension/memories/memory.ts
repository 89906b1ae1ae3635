/**
 * Memories: short, durable findings about a device ("port 7 flaps when the fan fails"), kept
 * in the extension's database and attached to what the device is (protocol's DeviceTarget), so
 * they come back whenever a session opens on it again.
 */
import { MEMORY_MAX_CHARS } from '../../protocol/index.js';

export { MEMORY_MAX_CHARS };

export interface Memory {
  id?: number;
  /** DeviceTarget.key: `ssh-host-key:…`, `usb-serial:…`, `serial-path:…`, `system:…`. */
  targetKey: string;
  /** How the device was named when the memory was saved. */
  targetLabel: string;
  text: string;
  createdAt: string;
  updatedAt: string;
  /** The session it was saved in, and its moment in that recording. */
  sessionName?: string;
  recordingId?: string;
  t?: number;
}

/** The text as a memory keeps it: trimmed, at most MEMORY_MAX_CHARS; blank is refused. */
export function memoryText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new Error('Write what you found first: a memory cannot be empty');
  return trimmed.length > MEMORY_MAX_CHARS ? trimmed.slice(0, MEMORY_MAX_CHARS) : trimmed;
}

/** Does the memory mention every word of `query` (its text or its device)? */
export function memoryMatches(memory: Memory, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const haystack =
    `${memory.text}\n${memory.targetLabel}\n${memory.sessionName ?? ''}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}
