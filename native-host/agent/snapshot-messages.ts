import type { Keyframe } from '../recording/keyframer.js';

/** Messages between the agent and its snapshot worker thread. */
export type WorkerRequest =
  | { type: 'create'; sessionId: string; cols: number; rows: number; scrollback: number }
  /** `data` is UTF-8; `chars` is how much output it holds, the unit of the agent's accounting. */
  | { type: 'write'; sessionId: string; data: Uint8Array; chars: number; seq: number }
  | { type: 'resize'; sessionId: string; cols: number; rows: number }
  | { type: 'snapshot'; sessionId: string; request: number }
  | { type: 'dispose'; sessionId: string }
  | {
      type: 'keyframes.open';
      recordingId: string;
      file: string;
      fromOffset: number;
      cols: number;
      rows: number;
    }
  | { type: 'keyframes.advance'; recordingId: string; upTo: number }
  | { type: 'keyframes.finish'; recordingId: string; upTo: number; request: number };

export type WorkerReply =
  /** `skipped`: characters of it the worker fast-forwarded through rather than parsed. */
  | { type: 'written'; sessionId: string; chars: number; skipped: number }
  | { type: 'snapshot'; request: number; data: string; seq: number; cols: number; rows: number }
  | { type: 'keyframe'; recordingId: string; keyframe: Keyframe }
  | { type: 'keyframes.finished'; request: number };
