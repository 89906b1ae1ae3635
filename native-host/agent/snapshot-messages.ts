/** Messages between the agent and its snapshot worker thread. */
export type WorkerRequest =
  | { type: 'create'; sessionId: string; cols: number; rows: number; scrollback: number }
  | { type: 'write'; sessionId: string; data: string[]; seq: number }
  | { type: 'resize'; sessionId: string; cols: number; rows: number }
  | { type: 'snapshot'; sessionId: string; request: number }
  | { type: 'dispose'; sessionId: string };

export type WorkerReply =
  | { type: 'written'; sessionId: string; chars: number }
  | { type: 'snapshot'; request: number; data: string; seq: number; cols: number; rows: number };
