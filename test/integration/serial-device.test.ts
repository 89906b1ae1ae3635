import { spawn } from 'node:child_process';
import { chmod, realpath } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isTandemError, type DeviceSpec, type LineEnding } from '../../protocol/index.js';
import type { Device, DeviceLinkState } from '../../native-host/devices/device.js';
import { openSerial } from '../../native-host/devices/serial.js';
import { bundleForAnyUser } from '../fixtures/any-user.js';
import {
  startDeviceSimulator,
  startSerialPair,
  type DeviceSimulator,
  type SerialPair,
} from '../fixtures/serial.js';

type SerialSpec = Extract<DeviceSpec, { kind: 'serial' }>;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What the session would see from a device: output (tail only, floods are large) and link states. */
class Watcher {
  tail = '';
  bytes = 0;
  states: { state: DeviceLinkState; message: string; at: number }[] = [];
  exits = 0;

  constructor(readonly device: Device) {
    device.onData((data) => {
      this.bytes += data.length;
      this.tail = (this.tail + data.toString('latin1')).slice(-8192);
    });
    device.onLinkState((state, message) => this.states.push({ state, message, at: Date.now() }));
    device.onExit(() => {
      this.exits += 1;
    });
  }

  clear(): void {
    this.tail = '';
  }
}

async function waitUntil(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function pair(): Promise<SerialPair> {
  const created = await startSerialPair();
  cleanups.push(() => created.kill());
  return created;
}

async function simulator(devicePath: string): Promise<DeviceSimulator> {
  const created = await startDeviceSimulator(devicePath);
  cleanups.push(() => created.close());
  return created;
}

async function open(devicePath: string, extra: Partial<SerialSpec> = {}): Promise<Watcher> {
  const device = await openSerial({ kind: 'serial', path: devicePath, baudRate: 115200, ...extra });
  cleanups.push(() => device.close());
  return new Watcher(device);
}

async function openError(spec: SerialSpec): Promise<{ code: string; message: string }> {
  try {
    const device = await openSerial(spec);
    await device.close();
  } catch (error) {
    if (isTandemError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`opening ${spec.path} should have failed`);
}

describe('serial device over a socat pair', () => {
  it('talks to a router console: banner, prompt, command output', async () => {
    const cable = await pair();
    const watcher = await open(cable.pathB);
    expect(watcher.device.description).toEqual({
      kind: 'serial',
      label: `${cable.pathB} 115200 8N1`,
    });
    expect(watcher.device.resize).toBeUndefined();
    await simulator(cable.pathA);
    await waitUntil('banner and prompt', () => watcher.tail.includes('Tandem Router Simulator'));
    await waitUntil('prompt', () => watcher.tail.endsWith('router> '));

    watcher.clear();
    watcher.device.write('show version\r');
    await waitUntil('version', () => watcher.tail.includes('Processor board ID FTX1234ABCD'));
    expect(watcher.tail).toContain('show version\r\nTandem Router OS, Version 15.2(4)M7');
    await waitUntil('prompt after version', () => watcher.tail.endsWith('router> '));

    watcher.clear();
    watcher.device.write('reload now\r');
    await waitUntil('unknown command', () =>
      watcher.tail.includes('% Unknown command\r\nrouter> '),
    );
  });

  it('sends each Enter as the chosen line ending, checked at the far end', async () => {
    const cable = await pair();
    const far = await simulator(cable.pathA);
    const cases: [LineEnding, string][] = [
      ['cr', 'show version\r'],
      ['lf', 'show version\n'],
      ['crlf', 'show version\r\n'],
    ];
    for (const [lineEnding, bytes] of cases) {
      const watcher = await open(cable.pathB, { lineEnding });
      far.clearReceived();
      watcher.device.write('show version\r');
      await waitUntil(`${lineEnding} output`, () => watcher.tail.includes('FTX1234ABCD'));
      await sleep(50);
      expect(far.received).toBe(bytes);
      await watcher.device.close();
    }
  });

  it('leaves local echo to the session: says what to echo, Enter shown as a new line', async () => {
    const cable = await pair();
    const watcher = await open(cable.pathB, { localEcho: true, lineEnding: 'cr' });
    const farEnd = await open(cable.pathA);
    // The session echoes only input judged ordinary (never a password), so the port itself
    // shows nothing of what is written.
    expect(watcher.device.localEcho?.('abc\r')).toBe('abc\r\n');
    watcher.device.write('abc\r');
    await waitUntil('far end receives', () => farEnd.tail === 'abc\r');
    farEnd.device.write('xyz\r');
    await waitUntil('echoing side receives', () => watcher.tail === 'xyz\r');
    await sleep(100);
    expect(farEnd.tail).toBe('abc\r');
    expect(farEnd.device.localEcho).toBeUndefined();
  });

  it('sets DTR/RTS and sends a break on a pty without failing, and keeps working', async () => {
    const cable = await pair();
    const watcher = await open(cable.pathB, { dtr: false, rts: true, flowControl: 'none' });
    const far = await simulator(cable.pathA);
    await waitUntil('banner', () => watcher.tail.includes('router> '));
    expect(typeof watcher.device.sendBreak).toBe('function');
    await watcher.device.sendBreak?.(50);
    far.clearReceived();
    watcher.device.write('show version\r');
    await waitUntil('version', () => watcher.tail.includes('FTX1234ABCD'));
    expect(far.received).toBe('show version\r');
  });

  it('stops reading while paused and delivers on resume', async () => {
    const cable = await pair();
    const watcher = await open(cable.pathB);
    await simulator(cable.pathA);
    await waitUntil('banner', () => watcher.tail.includes('router> '));
    watcher.device.pause();
    watcher.clear();
    watcher.device.write('show version\r');
    await sleep(300);
    expect(watcher.tail).toBe('');
    watcher.device.resume();
    await waitUntil('version after resume', () => watcher.tail.includes('FTX1234ABCD'));
  });

  it('says what to do when the port is missing, busy or not a serial port', async () => {
    expect(await openError({ kind: 'serial', path: '/dev/ttyUSB97', baudRate: 9600 })).toEqual({
      code: 'not_found',
      message: 'No serial port at /dev/ttyUSB97 — check the cable and pick the port again',
    });
    const cable = await pair();
    await open(cable.pathB);
    expect(await openError({ kind: 'serial', path: cable.pathB, baudRate: 9600 })).toEqual({
      code: 'device_error',
      message: `Port ${cable.pathB} is busy — close the other program using it (screen, minicom, another Tandem session)`,
    });
    const notSerial = await openError({ kind: 'serial', path: '/etc/hostname', baudRate: 9600 });
    expect(notSerial.code).toBe('device_error');
    expect(notSerial.message).toContain('is not a serial port');
  });

  it('tells a user without access to join the dialout group', async () => {
    const cable = await pair();
    const target = await realpath(cable.pathA);
    const message = `Permission denied on ${cable.pathA} — add yourself to the dialout group: sudo usermod -aG dialout $USER, then log out and in`;
    if (process.getuid?.() !== 0) {
      await chmod(target, 0o000);
      expect(await openError({ kind: 'serial', path: cable.pathA, baudRate: 9600 })).toEqual({
        code: 'device_error',
        message,
      });
      return;
    }
    // Root opens anything, so ask as an unprivileged user, the way a field tech runs the agent.
    // nobody may not be able to read this checkout (under /root, or a 0700 home), so the child
    // is the agent's serial code bundled into a world-readable temp folder with the real native
    // binding copied beside it, and needs nothing from the checkout.
    await chmod(path.dirname(cable.pathA), 0o755);
    const child = await bundleForAnyUser(path.join(repoRoot, 'test/fixtures/open-serial.ts'), [
      '@serialport/bindings-cpp',
    ]);
    cleanups.push(child.cleanup);
    const run = spawn(process.execPath, [child.script, cable.pathA], {
      cwd: child.dir,
      uid: 65534,
      gid: 65534,
      env: { PATH: process.env.PATH, HOME: '/tmp' },
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ code: 'device_error', message });
  });

  it('survives an unplug mid-flood without spinning, and re-attaches on replug', async () => {
    const cable = await pair();
    const watcher = await open(cable.pathB);
    const far = await simulator(cable.pathA);
    await waitUntil('banner', () => watcher.tail.includes('router> '));

    watcher.device.write('flood 100000\r');
    await waitUntil('flood under way', () => watcher.bytes > 300_000, 5000);
    const unpluggedAt = Date.now();
    await cable.kill();
    await waitUntil('disconnected', () => watcher.states.length > 0, 2000);
    const [lost] = watcher.states;
    expect(lost?.state).toBe('disconnected');
    expect(lost?.message).toBe(
      `Serial port ${cable.pathB} disconnected — waiting for it to come back`,
    );
    const noticedMs = (lost?.at ?? Infinity) - unpluggedAt;
    expect(noticedMs).toBeLessThan(2000);

    // Typing into an unplugged port is dropped, not an error.
    watcher.device.write('show version\r');

    const before = process.cpuUsage();
    const startedAt = performance.now();
    await sleep(2000);
    const used = process.cpuUsage(before);
    const cpuPercent = ((used.user + used.system) / 1000 / (performance.now() - startedAt)) * 100;
    console.log(
      `serial: unplug noticed after ${noticedMs} ms; CPU after unplug ${cpuPercent.toFixed(2)}% over 2 s`,
    );
    expect(cpuPercent).toBeLessThan(5);
    expect(watcher.states).toHaveLength(1);

    await cable.restart();
    await far.restart();
    await waitUntil('running again', () => watcher.states.length === 2, 3000);
    expect(watcher.states[1]).toMatchObject({
      state: 'running',
      message: `Serial port ${cable.pathB} reconnected`,
    });

    watcher.clear();
    far.clearReceived();
    watcher.device.write('show version\r');
    await waitUntil('version after replug', () => watcher.tail.includes('FTX1234ABCD'));
    expect(far.received).toBe('show version\r');
    expect(watcher.exits).toBe(0);

    await watcher.device.close();
    expect(watcher.exits).toBe(1);
  });
});
