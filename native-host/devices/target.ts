/**
 * What each kind of device is, for the memories the extension keeps about it (DeviceTarget in
 * protocol/). Identity follows what cannot be renamed: an SSH server's host key, a USB serial
 * adapter's serial number; a port without one is known by its path, this machine by its name.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { DeviceTarget, SerialPortInfo } from '../../protocol/index.js';

export function sshTarget(fingerprint: string, host: string): DeviceTarget {
  return { key: `ssh-host-key:${fingerprint}`, label: `${host} (${fingerprint.slice(0, 19)}…)` };
}

/** `ports`: the machine's serial ports as listed; the one at `path` (through links) is used. */
export function serialTarget(path: string, ports: readonly SerialPortInfo[]): DeviceTarget {
  const real = realPath(path);
  const port = ports.find((p) => p.path === path || realPath(p.path) === real);
  if (port?.serialNumber !== undefined && port.serialNumber !== '') {
    const name = [port.manufacturer, port.product].filter(Boolean).join(' ');
    return {
      key: `usb-serial:${port.vendorId ?? ''}:${port.productId ?? ''}:${port.serialNumber}`,
      label: `${name === '' ? 'USB serial' : name} ${port.serialNumber}`,
    };
  }
  return { key: `serial-path:${path}`, label: path };
}

export function systemTarget(hostname = os.hostname()): DeviceTarget {
  return { key: `system:${hostname}`, label: `this machine (${hostname})` };
}

function realPath(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}
