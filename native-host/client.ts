import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import {
  ERROR_CODES,
  FrameDecoder,
  TandemError,
  encodeFrame,
  type AgentEvent,
  type ErrorDetails,
  type RequestMap,
  type RequestType,
  type ResultMap,
} from '../protocol/index.js';

type Incoming =
  | { type: 'reply'; id: number | null; ok: true; result: unknown }
  | { type: 'reply'; id: number | null; ok: false; error: { code: string; message: string } };

function isReply(value: unknown): value is Incoming {
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'reply';
}

/**
 * A framed client of the agent: over its socket, or over a host shim's stdio exactly as Chrome
 * speaks to it. Used by the CLI and by tests. Every request has an id and a timeout; all pending
 * requests are rejected when the stream ends.
 */
export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private readonly listeners = new Set<(event: AgentEvent) => void>();
  private readonly orphanErrors: TandemError[] = [];
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly timeoutMs = 15_000,
  ) {
    const decoder = new FrameDecoder();
    input.on('data', (data: Buffer) => {
      for (const frame of decoder.push(data)) {
        if (frame.kind === 'message') this.receive(frame.value);
        else if (frame.kind === 'too_large') {
          // Nothing after a length over the limit can be framed: fail loudly, never hang.
          this.fail(new Error(`the agent sent a frame of ${frame.bytes} bytes, over the limit`));
          input.destroy();
        }
      }
    });
    input.on('close', () => this.fail(new Error('connection to the Tandem agent closed')));
    input.on('end', () => this.fail(new Error('connection to the Tandem agent closed')));
    input.on('error', (error) => this.fail(error));
    // Writing after the far end went away (EPIPE) fails the client, not the process.
    output.on('error', (error) => this.fail(error));
  }

  static connect(socketPath: string, timeoutMs?: number): Promise<AgentClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      socket.once('connect', () => resolve(new AgentClient(socket, socket, timeoutMs)));
      socket.once('error', reject);
    });
  }

  request<T extends RequestType>(type: T, fields: RequestMap[T]): Promise<ResultMap[T]> {
    if (this.closed) return Promise.reject(new Error('connection to the Tandem agent closed'));
    const id = this.nextId++;
    return new Promise<ResultMap[T]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${type} timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, {
        // The agent's reply to `type` is ResultMap[T] by contract.
        resolve: (value) => resolve(value as ResultMap[T]),
        reject,
        timer,
      });
      this.output.write(encodeFrame({ v: 1, type, id, ...fields }));
    });
  }

  /** Sends without asking for a reply (keystrokes, acks). */
  notify<T extends RequestType>(type: T, fields: RequestMap[T]): void {
    this.output.write(encodeFrame({ v: 1, type, ...fields }));
  }

  /** Sends raw bytes (tests use this for malformed frames). */
  writeRaw(data: Uint8Array): void {
    this.output.write(data);
  }

  onEvent(listener: (event: AgentEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Error replies that answered no request of ours (id null). */
  takeOrphanErrors(): TandemError[] {
    return this.orphanErrors.splice(0);
  }

  close(): void {
    this.output.end();
    this.fail(new Error('connection closed by client'));
  }

  private receive(value: unknown): void {
    if (isReply(value)) {
      const entry = value.id === null ? undefined : this.pending.get(value.id);
      if (value.ok) {
        if (entry !== undefined && value.id !== null) {
          this.pending.delete(value.id);
          clearTimeout(entry.timer);
          entry.resolve(value.result);
        }
        return;
      }
      const error = toTandemError(value.error);
      if (entry !== undefined && value.id !== null) {
        this.pending.delete(value.id);
        clearTimeout(entry.timer);
        entry.reject(error);
      } else {
        this.orphanErrors.push(error);
      }
      return;
    }
    if (typeof value === 'object' && value !== null && 'type' in value) {
      // Events come from our own agent, validated by type name only.
      for (const listener of this.listeners) listener(value as AgentEvent);
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
  }
}

function toTandemError(body: { code: string; message: string; details?: unknown }): TandemError {
  const code = ERROR_CODES.find((known) => known === body.code) ?? 'internal';
  const details: ErrorDetails = {};
  if (typeof body.details === 'object' && body.details !== null) {
    for (const [key, value] of Object.entries(body.details)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        details[key] = value;
      } else if (Array.isArray(value)) {
        details[key] = value.map(String);
      }
    }
  }
  return new TandemError(code, body.message, details);
}
