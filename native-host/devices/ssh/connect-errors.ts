import { TandemError } from '../../../protocol/index.js';

export interface ConnectErrorContext {
  /** "db1:22" or "db1 (10.0.0.5:22)". */
  target: string;
  host: string;
  timeoutMs: number;
  /** Called for auth rejections, so the message fits the method the user chose. */
  rejected: () => TandemError;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'EADDRNOTAVAIL',
]);

/** ssh2 tags its errors with a `level`; sockets add a `code`. Turn both into words and a code. */
export function connectError(error: Error, context: ConnectErrorContext): TandemError {
  const level = 'level' in error && typeof error.level === 'string' ? error.level : undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const { target } = context;
  if (level === 'client-dns' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new TandemError(
      'device_error',
      `Could not find the host ${context.host} for ${target} — check the host name (or add a Host alias to your ssh config)`,
      { host: context.host },
    );
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new TandemError(
      'device_error',
      `Could not reach ${target} (${code}) — check the host name, port and that sshd is running`,
      { host: context.host, errno: code },
    );
  }
  if (level === 'client-timeout') {
    return new TandemError(
      'device_error',
      `Could not reach ${target} within ${Math.round(context.timeoutMs / 1000)} s — check the host name, port, network and that sshd is running`,
      { host: context.host },
    );
  }
  if (level === 'client-authentication') return context.rejected();
  if (level === 'agent') {
    return new TandemError(
      'unauthorized',
      `ssh-agent could not be used (${error.message}) — check that ssh-agent is running and holds your key (ssh-add -l)`,
    );
  }
  if (level === 'handshake' || level === 'protocol') {
    return new TandemError(
      'device_error',
      `Could not set up a secure connection with ${target}: ${error.message} — the server may only offer algorithms Tandem does not support`,
      { host: context.host },
    );
  }
  return new TandemError('device_error', `SSH connection to ${target} failed: ${error.message}`, {
    host: context.host,
  });
}
