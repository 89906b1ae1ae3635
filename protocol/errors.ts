/** Every failure crossing a Tandem boundary carries one of these codes. */
export const ERROR_CODES = [
  'bad_request',
  'unsupported_version',
  'unauthorized',
  'forbidden',
  'not_found',
  'device_error',
  'host_key_unknown',
  'host_key_mismatch',
  'too_large',
  'rate_limited',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Structured extras for an error, e.g. the fingerprint a user must accept. */
export type ErrorDetails = Record<string, string | number | boolean | string[]>;

export interface ErrorBody {
  code: ErrorCode;
  /** A human sentence that says what to do next. */
  message: string;
  details?: ErrorDetails;
}

/** An error that knows its protocol code; thrown inside the agent, turned into a reply at the edge. */
export class TandemError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    super(message);
    this.name = 'TandemError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isTandemError(value: unknown): value is TandemError {
  return value instanceof TandemError;
}
