import type { Client, ClientChannel } from 'ssh2';
import type { DeviceTarget } from '../../../protocol/index.js';
import { DeviceEvents, type Device } from '../device.js';

/**
 * The Device over an open shell channel. The exit fires once, when the channel or the whole
 * connection closes, with the remote exit code when the server sent one.
 */
export function openShellDevice(
  client: Client,
  stream: ClientChannel,
  names: { label: string; hostLabel: string; target: DeviceTarget },
): Device {
  const events = new DeviceEvents();
  let exitCode: number | undefined;
  let exitSignal: string | undefined;
  let lastError: string | undefined;
  let clientClosed = false;

  const exitReason = (): string => {
    if (exitSignal !== undefined)
      return `connection to ${names.hostLabel} closed (shell ended by signal ${exitSignal})`;
    if (exitCode !== undefined)
      return `connection to ${names.hostLabel} closed (exit code ${exitCode})`;
    if (lastError !== undefined) return `connection to ${names.hostLabel} closed: ${lastError}`;
    return `connection to ${names.hostLabel} closed`;
  };
  const finish = (): void => {
    events.emitExit(
      exitCode === undefined ? { reason: exitReason() } : { code: exitCode, reason: exitReason() },
    );
  };

  stream.on('data', (data: Buffer) => events.emitData(data));
  stream.stderr.on('data', (data: Buffer) => events.emitData(data));
  stream.on('exit', (code: number | null, signal?: string) => {
    if (typeof code === 'number') exitCode = code;
    if (typeof signal === 'string') exitSignal = signal;
  });
  stream.on('close', () => {
    finish();
    client.end();
  });
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  client.on('close', () => {
    clientClosed = true;
    finish();
  });

  return {
    description: { kind: 'ssh', label: names.label },
    target: names.target,
    onData: (l) => events.onData(l),
    onExit: (l) => events.onExit(l),
    onLinkState: (l) => events.onLinkState(l),
    write: (data) => {
      if (!events.hasExited) stream.write(data);
    },
    resize: ({ cols, rows }) => {
      if (!events.hasExited) stream.setWindow(rows, cols, 0, 0);
    },
    pause: () => {
      stream.pause();
      stream.stderr.pause();
    },
    resume: () => {
      stream.resume();
      stream.stderr.resume();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (clientClosed) return resolve();
        client.once('close', () => resolve());
        stream.end();
        client.end();
        setTimeout(() => {
          if (!clientClosed) client.destroy();
        }, 2000).unref();
      }),
  };
}
