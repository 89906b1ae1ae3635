/**
 * Messages over a PeerJS DataConnection (serialization "raw"): each protocol message is JSON
 * text cut into pieces of at most PIECE_CHARS; a piece starts with "1" when more follow and
 * "0" when it is the last. Small pieces keep every data channel implementation happy (PeerJS's
 * own JSON mode refuses 16,300 bytes) and let the sender watch bufferedAmount.
 * Shared by the agent's peer bridge and the browser (extension panel, guest page).
 */
import { MAX_FRAME_BYTES } from './codec.js';

export const PIECE_CHARS = 16_000;

export function toPieces(json: string): string[] {
  if (json.length <= PIECE_CHARS) return ['0' + json];
  const pieces: string[] = [];
  for (let at = 0; at < json.length; at += PIECE_CHARS) {
    const last = at + PIECE_CHARS >= json.length;
    pieces.push((last ? '0' : '1') + json.slice(at, at + PIECE_CHARS));
  }
  return pieces;
}

export type Assembled =
  | { kind: 'message'; value: unknown }
  | { kind: 'malformed'; reason: string }
  | { kind: 'too_large'; bytes: number }
  | { kind: 'partial' };

/** Reassembles pieces; refuses a message over 1 MiB without holding it. */
export class Reassembler {
  private parts: string[] = [];
  private chars = 0;
  private skipping = false;

  push(piece: unknown): Assembled {
    if (typeof piece !== 'string' || piece.length === 0 || (piece[0] !== '0' && piece[0] !== '1')) {
      this.reset();
      return { kind: 'malformed', reason: 'data channel message is not a Tandem piece' };
    }
    const more = piece[0] === '1';
    const body = piece.slice(1);
    if (this.skipping) {
      this.chars += body.length;
      if (!more) {
        const bytes = this.chars;
        this.reset();
        return { kind: 'too_large', bytes };
      }
      return { kind: 'partial' };
    }
    this.parts.push(body);
    this.chars += body.length;
    if (this.chars > MAX_FRAME_BYTES) {
      this.parts = [];
      this.skipping = true;
      if (!more) return this.push('0');
      return { kind: 'partial' };
    }
    if (more) return { kind: 'partial' };
    const json = this.parts.join('');
    this.reset();
    try {
      return { kind: 'message', value: JSON.parse(json) as unknown };
    } catch {
      return { kind: 'malformed', reason: 'message is not valid JSON' };
    }
  }

  private reset(): void {
    this.parts = [];
    this.chars = 0;
    this.skipping = false;
  }
}
