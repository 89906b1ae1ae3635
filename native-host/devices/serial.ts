import { read as readCallback } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  BindingsError,
  DarwinBinding,
  LinuxBinding,
  type BindingInterface,
  type BindingPortInterface,
  type DarwinOpenOptions,
  type DarwinPortBinding,
  type LinuxOpenOptions,
  type LinuxPortBinding,
  type SetOptions,
  type UpdateOptions,
} from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import {
  TandemError,
  type DeviceDescription,
  type DeviceTarget,
  type DeviceSpec,
  type Parity,
  type SerialPortInfo,
} from '../../protocol/index.js';
import { DeviceEvents, type Device, type DeviceExit, type DeviceLinkState } from './device.js';
import { createLineEndingTranslator } from './serial-line-ending.js';
import { serialTarget } from './target.js';
import {
  listSysfsSerialPorts,
  serialListError,
  withChipNames,
  withKnownPaths,
} from './serial-ports.js';

type SerialSpec = Extract<DeviceSpec, { kind: 'serial' }>;

/** How often the path is checked: while running (did it vanish?) and while disconnected (is it back?). */
const PATH_CHECK_MS = 500;
const MAX_BREAK_MS = 10_000;

const readAsync = promisify(readCallback);

type UnixPortBinding = LinuxPortBinding | DarwinPortBinding;
type UnixOpenOptions = LinuxOpenOptions & DarwinOpenOptions;

// The agent runs on Linux and macOS (unix socket, XDG dirs); both bindings read through an fd + poller.
const unixBinding = process.platform === 'darwin' ? DarwinBinding : LinuxBinding;

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Wraps the platform binding to fix its hang-up bug. When the far end vanishes (USB pulled, socat
 * killed) a read returns 0 bytes forever; upstream `unixRead` retries at once, so the port emits
 * nothing and burns a CPU core. Here a 0-byte read is an error, which `SerialPortStream` turns
 * into a 'close' with a disconnect error.
 */
class HangupAwarePort implements BindingPortInterface {
  constructor(private readonly inner: UnixPortBinding) {}

  get openOptions(): UnixPortBinding['openOptions'] {
    return this.inner.openOptions;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  async read(
    buffer: Buffer,
    offset: number,
    length: number,
  ): Promise<{ buffer: Buffer; bytesRead: number }> {
    for (;;) {
      const fd = this.inner.fd;
      if (fd === null) throw new BindingsError('Port is not open', { canceled: true });
      let bytesRead: number;
      try {
        ({ bytesRead } = await readAsync(fd, buffer, offset, length, null));
      } catch (error) {
        const code = errorCode(error);
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error;
        await this.readable();
        continue;
      }
      if (bytesRead === 0) throw new Error('read returned 0 bytes: the far end hung up');
      return { buffer, bytesRead };
    }
  }

  /** Resolves when the fd is readable; rejects on a poll error (a disconnect) or a close (canceled). */
  private readable(): Promise<void> {
    if (!this.inner.isOpen) {
      return Promise.reject(new BindingsError('Port is not open', { canceled: true }));
    }
    return new Promise((resolve, reject) => {
      this.inner.poller.once('readable', (error) => (error === null ? resolve() : reject(error)));
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
  write(buffer: Buffer): Promise<void> {
    return this.inner.write(buffer);
  }
  update(options: UpdateOptions): Promise<void> {
    return this.inner.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.inner.set(options);
  }
  get(): ReturnType<UnixPortBinding['get']> {
    return this.inner.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.inner.getBaudRate();
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  drain(): Promise<void> {
    return this.inner.drain();
  }
}

const hangupAwareBinding: BindingInterface<HangupAwarePort, UnixOpenOptions> = {
  list: () => unixBinding.list(),
  open: async (options) => new HangupAwarePort(await unixBinding.open(options)),
};

type Port = SerialPortStream<typeof hangupAwareBinding>;
type PortOptions = UnixOpenOptions & { path: string; baudRate: number };
type ModemLines = Required<Pick<SetOptions, 'dtr' | 'rts'>>;

/** The DTR/RTS levels to hold. Every set() call writes all lines, so a break repeats these. */
function heldLines(spec: SerialSpec): ModemLines {
  return { dtr: spec.dtr ?? true, rts: spec.rts ?? true };
}

/** The lines to drive after each open; undefined leaves the OS defaults alone. */
function requestedLines(spec: SerialSpec): ModemLines | undefined {
  return spec.dtr === undefined && spec.rts === undefined ? undefined : heldLines(spec);
}

function portOptions(spec: SerialSpec): PortOptions {
  const parity: Parity = spec.parity ?? 'none';
  if (parity === 'mark' || parity === 'space') {
    throw new TandemError(
      'device_error',
      `${parity} parity is not supported on this system — pick none, even or odd`,
    );
  }
  if (spec.stopBits === 1.5) {
    throw new TandemError(
      'device_error',
      '1.5 stop bits is not supported on this system — pick 1 or 2',
    );
  }
  const flow = spec.flowControl ?? 'none';
  return {
    path: spec.path,
    baudRate: spec.baudRate,
    dataBits: spec.dataBits ?? 8,
    parity,
    stopBits: spec.stopBits ?? 1,
    rtscts: flow === 'rtscts',
    xon: flow === 'xonxoff',
    xoff: flow === 'xonxoff',
    // flock the port so a second Tandem session (or a polite program) cannot share it.
    lock: true,
  };
}

function describePort(spec: SerialSpec): DeviceDescription {
  const parityLetter = (spec.parity ?? 'none').charAt(0).toUpperCase();
  const frame = `${spec.dataBits ?? 8}${parityLetter}${spec.stopBits ?? 1}`;
  return { kind: 'serial', label: `${spec.path} ${spec.baudRate} ${frame}` };
}

/** Turns a failed open into a sentence that says what to do next. */
function openError(path: string, error: unknown): TandemError {
  if (error instanceof TandemError) return error;
  const text = errorText(error);
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR' || /no such file/i.test(text)) {
    return new TandemError(
      'not_found',
      `No serial port at ${path} — check the cable and pick the port again`,
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(text)) {
    return new TandemError(
      'device_error',
      `Permission denied on ${path} — add yourself to the dialout group: sudo usermod -aG dialout $USER, then log out and in`,
    );
  }
  if (code === 'EBUSY' || /cannot lock port|busy|temporarily unavailable/i.test(text)) {
    return new TandemError(
      'device_error',
      `Port ${path} is busy — close the other program using it (screen, minicom, another Tandem session)`,
    );
  }
  return new TandemError(
    'device_error',
    `Could not open ${path}: ${text.replace(/^Error:?\s*/, '')} — check the port settings and try again`,
  );
}

/** Fails early, with the right code, when the path is missing or is not a serial device. */
async function checkPath(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw openError(path, error);
  }
  if (!info.isCharacterDevice()) {
    throw new TandemError(
      'device_error',
      `${path} is not a serial port — pick a port from the list`,
    );
  }
}

async function pathPresent(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * ptys and some virtual ports have no modem lines: the kernel answers ENOTTY ("Inappropriate
 * ioctl for device") to TIOCMSET and the break ioctls. There is nothing to drive, so that is not a
 * failure; a real port that refuses for another reason still reports it.
 */
function hasNoModemLines(error: Error): boolean {
  return errorCode(error) === 'ENOTTY' || /inappropriate ioctl/i.test(error.message);
}

function setFlags(port: Port, flags: SetOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    port.set(flags, (error) =>
      error === null || hasNoModemLines(error) ? resolve() : reject(error),
    );
  });
}

/** Opens a fresh SerialPort; never reuses one that saw a disconnect. */
async function openPort(options: PortOptions, lines: ModemLines | undefined): Promise<Port> {
  const port: Port = new SerialPortStream({
    ...options,
    binding: hangupAwareBinding,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error === null ? resolve() : reject(error)));
  });
  if (lines !== undefined) {
    try {
      await setFlags(port, { ...lines, brk: false });
    } catch (error) {
      await discard(port);
      throw error;
    }
  }
  return port;
}

/** Detaches and closes a port object for good. */
async function discard(port: Port): Promise<void> {
  port.removeAllListeners();
  port.on('error', () => {});
  if (port.isOpen) {
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
  port.destroy();
}

type LinkState = DeviceLinkState | 'closed';

class SerialDevice implements Device {
  readonly description: DeviceDescription;
  readonly target: DeviceTarget;
  private readonly events = new DeviceEvents();
  private readonly translate: ((data: string) => string) | undefined;
  private readonly echoTranslate = createLineEndingTranslator('crlf');
  /**
   * Local echo is the session's to show, not the port's: the session echoes only input judged
   * ordinary, so a line typed at a prompt that hides it never appears (see InputGuard).
   */
  readonly localEcho: ((data: string) => string) | undefined;
  private readonly timer: NodeJS.Timeout;
  private state: LinkState = 'running';
  private port: Port | null;
  private paused = false;
  private checking = false;

  constructor(
    private readonly spec: SerialSpec,
    private readonly options: PortOptions,
    port: Port,
    target: DeviceTarget,
  ) {
    this.description = describePort(spec);
    this.target = target;
    this.translate =
      spec.lineEnding === undefined ? undefined : createLineEndingTranslator(spec.lineEnding);
    this.localEcho = spec.localEcho === true ? (data) => this.echoTranslate(data) : undefined;
    this.port = port;
    this.attach(port);
    this.timer = setInterval(() => void this.checkPath(), PATH_CHECK_MS);
    this.timer.unref();
  }

  private attach(port: Port): void {
    if (this.paused) port.pause();
    port.on('data', (data: Buffer) => this.events.emitData(data));
    port.on('error', () => this.lost(port));
    port.on('close', () => this.lost(port));
    port.on('end', () => this.lost(port));
  }

  /** The far end is gone (0-byte read, read/write/poll error, close, or the path vanished). */
  private lost(port: Port): void {
    if (this.state !== 'running' || this.port !== port) return;
    this.state = 'disconnected';
    this.port = null;
    void discard(port);
    this.events.emitLinkState(
      'disconnected',
      `Serial port ${this.spec.path} disconnected — waiting for it to come back`,
    );
  }

  /** A stat every 500 ms: cheap, and catches a port that vanished while paused (no read pending). */
  private async checkPath(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const present = await pathPresent(this.spec.path);
      if (this.state === 'running' && !present && this.port !== null) this.lost(this.port);
      else if (this.state === 'disconnected' && present) await this.reconnect();
    } finally {
      this.checking = false;
    }
  }

  private async reconnect(): Promise<void> {
    let port: Port;
    try {
      port = await openPort(this.options, requestedLines(this.spec));
    } catch {
      // Back but not ready (udev still setting permissions, briefly busy): try on the next tick.
      return;
    }
    if (this.state !== 'disconnected') {
      await discard(port);
      return;
    }
    this.state = 'running';
    this.port = port;
    this.attach(port);
    this.events.emitLinkState('running', `Serial port ${this.spec.path} reconnected`);
  }

  onData(listener: (data: Buffer) => void): void {
    this.events.onData(listener);
  }

  onExit(listener: (exit: DeviceExit) => void): void {
    this.events.onExit(listener);
  }

  onLinkState(listener: (state: DeviceLinkState, message: string) => void): void {
    this.events.onLinkState(listener);
  }

  /**
   * Input while disconnected is dropped, not queued: the session already shows the port as
   * disconnected, and replaying stale keystrokes (a `reload`, a half-typed config line) into a
   * device minutes later is more dangerous than losing them.
   */
  write(data: string): void {
    const port = this.port;
    if (this.state !== 'running' || port === null) return;
    const out = this.translate === undefined ? data : this.translate(data);
    port.write(Buffer.from(out, 'utf8'));
  }

  async sendBreak(durationMs: number): Promise<void> {
    const port = this.port;
    if (this.state !== 'running' || port === null) {
      throw new TandemError(
        'device_error',
        `Serial port ${this.spec.path} is disconnected — the break was not sent; wait for it to come back`,
      );
    }
    const duration = Math.min(Math.max(Math.round(durationMs), 1), MAX_BREAK_MS);
    try {
      await setFlags(port, { ...heldLines(this.spec), brk: true });
    } catch (error) {
      throw new TandemError(
        'device_error',
        `Could not send a break on ${this.spec.path}: ${errorText(error)} — check the cable and try again`,
      );
    }
    await sleep(duration);
    if (port.isOpen) await setFlags(port, { ...heldLines(this.spec), brk: false }).catch(() => {});
  }

  pause(): void {
    this.paused = true;
    this.port?.pause();
  }

  resume(): void {
    this.paused = false;
    this.port?.resume();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.timer);
    const port = this.port;
    this.port = null;
    if (port !== null) await discard(port);
    this.events.emitExit({ reason: `Serial port ${this.spec.path} closed` });
  }
}

export async function openSerial(spec: SerialSpec): Promise<Device> {
  const options = portOptions(spec);
  await checkPath(spec.path);
  let port: Port;
  try {
    port = await openPort(options, requestedLines(spec));
  } catch (error) {
    throw openError(spec.path, error);
  }
  // The adapter's serial number, when it has one, is what memories of it attach to.
  const ports = await listSerialPorts([spec.path]).catch(() => []);
  return new SerialDevice(spec, options, port, serialTarget(spec.path, ports));
}

/** macOS has no sysfs; the binding asks IOKit, which needs no udev. */
async function listBindingPorts(): Promise<SerialPortInfo[]> {
  const ports = await unixBinding.list();
  return ports.map((port) => {
    const info: SerialPortInfo = { path: port.path };
    if (port.manufacturer !== undefined) info.manufacturer = port.manufacturer;
    if (port.vendorId !== undefined) info.vendorId = port.vendorId.toLowerCase();
    if (port.productId !== undefined) info.productId = port.productId.toLowerCase();
    if (port.serialNumber !== undefined) info.serialNumber = port.serialNumber;
    return withChipNames(info);
  });
}

/**
 * Linux reads sysfs rather than the binding's list, which spawns udevadm and fails with
 * "spawn udevadm ENOENT" wherever udev is missing (containers, minimal servers, WSL).
 */
export async function listSerialPorts(
  knownPaths: readonly string[] = [],
): Promise<SerialPortInfo[]> {
  try {
    const listed =
      process.platform === 'darwin' ? await listBindingPorts() : await listSysfsSerialPorts();
    return await withKnownPaths(listed, knownPaths);
  } catch (error) {
    throw serialListError(error);
  }
}
