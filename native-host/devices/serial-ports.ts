import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TandemError, type SerialPortInfo } from '../../protocol/index.js';
import { usbProductName, usbVendorName } from './usb-names.js';

/** Where the kernel's views of devices live; tests point these at a fake tree in a temp folder. */
export interface SystemRoots {
  sys: string;
  dev: string;
}

export const SYSTEM_ROOTS: SystemRoots = { sys: '/sys', dev: '/dev' };

/**
 * serial_core's PORT_UNKNOWN. The 8250 driver registers ttyS0..ttyS31 up front whether or not a
 * UART answers; the empty ones read type 0 and only ever fail to open, so they are not offered.
 */
const NO_UART = '0';

type UsbFacts = Omit<SerialPortInfo, 'path'>;

/** A sysfs attribute without its trailing newline; undefined when absent, unreadable or empty. */
async function attribute(file: string): Promise<string | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Lowercase 4-digit hex, as serialport reports ids; anything else is not an id. */
function usbId(text: string | undefined): string | undefined {
  return text !== undefined && /^[0-9a-f]{4}$/i.test(text) ? text.toLowerCase() : undefined;
}

/**
 * The USB device a tty hangs off: the nearest folder up the sysfs tree with idVendor and
 * idProduct (ttyUSB: port → interface → device; ttyACM: interface → device). udev's usb_id
 * builtin reads these same attributes to make ID_VENDOR_ID, ID_MODEL_ID, ID_VENDOR_ENC and
 * ID_SERIAL_SHORT, so reading them here gives serialport's udev facts without udev. A port on
 * a mainboard or PCI card has no such folder and no USB facts.
 */
async function usbFacts(deviceDir: string, devicesTop: string): Promise<UsbFacts> {
  for (let dir = deviceDir; dir.startsWith(devicesTop + path.sep); dir = path.dirname(dir)) {
    const vendorId = usbId(await attribute(path.join(dir, 'idVendor')));
    const productId = usbId(await attribute(path.join(dir, 'idProduct')));
    if (vendorId === undefined || productId === undefined) continue;
    const facts: UsbFacts = { vendorId, productId };
    const manufacturer = await attribute(path.join(dir, 'manufacturer'));
    if (manufacturer !== undefined) facts.manufacturer = manufacturer;
    const product = await attribute(path.join(dir, 'product'));
    if (product !== undefined) facts.product = product;
    const serialNumber = await attribute(path.join(dir, 'serial'));
    if (serialNumber !== undefined) facts.serialNumber = serialNumber;
    return withChipNames(facts);
  }
  return {};
}

/**
 * Fills in the maker and product from the well-known chips' ids where the adapter gave no
 * strings of its own (CH340 and PL2303 clones usually give none), so the user sees "WCH CH340"
 * rather than "1a86:7523".
 */
export function withChipNames<T extends UsbFacts>(facts: T): T {
  const named = { ...facts };
  const manufacturer = usbVendorName(facts.vendorId);
  if (named.manufacturer === undefined && manufacturer !== undefined)
    named.manufacturer = manufacturer;
  const product = usbProductName(facts.vendorId, facts.productId);
  if (named.product === undefined && product !== undefined) named.product = product;
  return named;
}

/** One /sys/class/tty entry as a port, or undefined when it is not one a user could open. */
async function describeTty(
  name: string,
  roots: SystemRoots,
  devicesTop: string,
): Promise<SerialPortInfo | undefined> {
  const classDir = path.join(roots.sys, 'class', 'tty', name);
  let deviceDir: string;
  try {
    // Virtual consoles, ptmx, console and ptys have no hardware behind them: no device link.
    deviceDir = await realpath(path.join(classDir, 'device'));
  } catch {
    return undefined;
  }
  if ((await attribute(path.join(classDir, 'type'))) === NO_UART) return undefined;
  // The kernel writes '/' in a device name as '!' in sysfs (tty!foo is /dev/tty/foo).
  const devPath = path.join(roots.dev, name.replaceAll('!', '/'));
  // A container sees the host's sysfs but only the device nodes it was given.
  if (!(await exists(devPath))) return undefined;
  return { path: devPath, ...(await usbFacts(deviceDir, devicesTop)) };
}

/**
 * udev's stable names (/dev/serial/by-id/usb-FTDI_..._A1B2C3-if00-port0), keyed by the real
 * node they point at. They survive the ttyUSB0 → ttyUSB1 renumbering on replug, so a user can
 * pick one and re-attach finds the same adapter. No udev, no folder, no links.
 */
async function byIdLinks(roots: SystemRoots): Promise<Map<string, string[]>> {
  const folder = path.join(roots.dev, 'serial', 'by-id');
  const links = new Map<string, string[]>();
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return links;
  }
  for (const name of names.sort()) {
    const link = path.join(folder, name);
    let target: string;
    try {
      target = await realpath(link);
    } catch {
      continue; // dangling: the adapter was pulled while udev had not yet removed the link
    }
    links.set(target, [...(links.get(target) ?? []), link]);
  }
  return links;
}

async function realPathOr(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/** Every failure to list becomes a typed error that tells the user the way around it. */
export function serialListError(error: unknown): TandemError {
  if (error instanceof TandemError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new TandemError(
    'device_error',
    `Could not list serial ports: ${text} — type the port's path instead, e.g. /dev/ttyUSB0`,
  );
}

const byName = new Intl.Collator('en', { numeric: true });

/**
 * Linux serial ports from sysfs alone: every tty with a hardware device behind it, except
 * serial_core placeholders with no UART, with USB vendor/product/serial for USB adapters; each
 * followed by its /dev/serial/by-id names when udev made them. No process is spawned, so it
 * works where udevadm is missing (containers, minimal servers, WSL). A pty (socat, ssh) is not
 * a serial port here; the user types its path.
 */
export async function listSysfsSerialPorts(roots = SYSTEM_ROOTS): Promise<SerialPortInfo[]> {
  const classDir = path.join(roots.sys, 'class', 'tty');
  let names: string[];
  try {
    names = await readdir(classDir);
  } catch (error) {
    throw serialListError(error);
  }
  const devicesTop = path.join(await realPathOr(roots.sys), 'devices');
  const found = await Promise.all(names.map((name) => describeTty(name, roots, devicesTop)));
  const ports = found
    .filter((port) => port !== undefined)
    .sort((a, b) => byName.compare(a.path, b.path));
  const links = await byIdLinks(roots);
  const listed: SerialPortInfo[] = [];
  for (const port of ports) {
    listed.push(port);
    for (const link of links.get(await realPathOr(port.path)) ?? []) {
      listed.push({ ...port, path: link });
    }
  }
  return listed;
}

async function isCharacterDevice(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * Ports the user opened before and the lister cannot find by itself — a socat or ssh pty, a
 * symlink the user made — listed after `listed` when they exist now as character devices. A
 * link to a listed port carries that port's USB facts. Checked on every list, so a known port
 * that appears (a re-plugged adapter, a restarted socat) shows up at the next refresh.
 */
export async function withKnownPaths(
  listed: SerialPortInfo[],
  paths: readonly string[],
): Promise<SerialPortInfo[]> {
  const byReal = new Map<string, SerialPortInfo>();
  for (const port of listed) byReal.set(await realPathOr(port.path), port);
  const shown = new Set(listed.map((port) => port.path));
  const known: SerialPortInfo[] = [];
  for (const file of paths) {
    if (shown.has(file) || !path.isAbsolute(file) || !(await isCharacterDevice(file))) continue;
    shown.add(file);
    const same = byReal.get(await realPathOr(file));
    known.push({ ...same, path: file });
  }
  return [...listed, ...known];
}
