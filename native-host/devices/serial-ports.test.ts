import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSysfsSerialPorts, withKnownPaths, type SystemRoots } from './serial-ports.js';

const USB_BUS = 'devices/pci0000:00/0000:00:14.0/usb1';
const FTDI_BY_ID = 'usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0';
const CP210X_BY_ID = 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0';

let root: string;
let roots: SystemRoots;

/** A folder of sysfs attributes, each written with the newline the kernel adds. */
async function attributes(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, value] of Object.entries(files)) {
    await writeFile(path.join(dir, name), `${value}\n`);
  }
}

/**
 * A tty the way the kernel lays it out: the class device under its parent device, a
 * /sys/class/tty link to it, a `device` link back up to the parent (unless virtual), and a node
 * in /dev (a plain file stands in for the character device).
 */
async function tty(
  name: string,
  parent: string,
  options: { device?: boolean; files?: Record<string, string>; node?: boolean } = {},
): Promise<void> {
  const classDevice = path.join(roots.sys, parent, 'tty', name);
  await attributes(classDevice, { dev: '188:0', ...options.files });
  await symlink(classDevice, path.join(roots.sys, 'class/tty', name));
  if (options.device !== false) {
    await symlink(path.join(roots.sys, parent), path.join(classDevice, 'device'));
  }
  if (options.node !== false) await writeFile(path.join(roots.dev, name), '');
}

async function byId(name: string, target: string): Promise<void> {
  await symlink(`../../${target}`, path.join(roots.dev, 'serial/by-id', name));
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tandem-sysfs-'));
  roots = { sys: path.join(root, 'sys'), dev: path.join(root, 'dev') };
  await mkdir(path.join(roots.sys, 'class/tty'), { recursive: true });
  await mkdir(path.join(roots.dev, 'serial/by-id'), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listSysfsSerialPorts', () => {
  it('lists USB adapters with their ids and by-id names, and real UARTs; skips the rest', async () => {
    // FTDI: ttyUSB0 is a usb-serial port device under interface 1-1:1.0 of USB device 1-1.
    await attributes(path.join(roots.sys, USB_BUS, '1-1'), {
      idVendor: '0403',
      idProduct: '6001',
      manufacturer: 'FTDI',
      product: 'FT232R USB UART',
      serial: 'A1B2C3',
    });
    await tty('ttyUSB0', `${USB_BUS}/1-1/1-1:1.0/ttyUSB0`);
    await byId(FTDI_BY_ID, 'ttyUSB0');
    // CP210x, ids in capitals to check they come out lowercase.
    await attributes(path.join(roots.sys, USB_BUS, '1-2'), {
      idVendor: '10C4',
      idProduct: 'EA60',
      manufacturer: 'Silicon Labs',
      product: 'CP2102 USB to UART Bridge Controller',
      serial: '0001',
    });
    await tty('ttyUSB1', `${USB_BUS}/1-2/1-2:1.0/ttyUSB1`);
    await byId(CP210X_BY_ID, 'ttyUSB1');
    // CDC-ACM board without manufacturer or serial strings: the tty hangs off the interface.
    await attributes(path.join(roots.sys, USB_BUS, '1-3'), { idVendor: '2341', idProduct: '0043' });
    await tty('ttyACM0', `${USB_BUS}/1-3/1-3:1.0`);
    // A real 16550A on the mainboard: listed, without USB facts.
    await tty('ttyS4', 'devices/pnp0/00:04/00:04:0/00:04:0.0', { files: { type: '4' } });
    // An 8250 placeholder with no UART behind it.
    await tty('ttyS0', 'devices/platform/serial8250/serial8250:0/serial8250:0.0', {
      files: { type: '0' },
    });
    // A virtual console: no device link.
    await tty('tty1', 'devices/virtual', { device: false });
    // Present on the host's sysfs, but this container has no node for it.
    await attributes(path.join(roots.sys, USB_BUS, '1-4'), { idVendor: '067b', idProduct: '2303' });
    await tty('ttyUSB2', `${USB_BUS}/1-4/1-4:1.0/ttyUSB2`, { node: false });
    // A link udev has not yet removed after the adapter was pulled.
    await byId('usb-Prolific_gone-if00-port0', 'ttyUSB9');

    const dev = (name: string): string => path.join(roots.dev, name);
    const ftdi = {
      manufacturer: 'FTDI',
      product: 'FT232R USB UART',
      vendorId: '0403',
      productId: '6001',
      serialNumber: 'A1B2C3',
    };
    const cp210x = {
      manufacturer: 'Silicon Labs',
      product: 'CP2102 USB to UART Bridge Controller',
      vendorId: '10c4',
      productId: 'ea60',
      serialNumber: '0001',
    };
    expect(await listSysfsSerialPorts(roots)).toEqual([
      { path: dev('ttyACM0'), vendorId: '2341', productId: '0043' },
      { path: dev('ttyS4') },
      { path: dev('ttyUSB0'), ...ftdi },
      { path: dev(`serial/by-id/${FTDI_BY_ID}`), ...ftdi },
      { path: dev('ttyUSB1'), ...cp210x },
      { path: dev(`serial/by-id/${CP210X_BY_ID}`), ...cp210x },
    ]);
  });

  it('lists ports without udev: no /dev/serial folder at all', async () => {
    await rm(path.join(roots.dev, 'serial'), { recursive: true });
    await attributes(path.join(roots.sys, USB_BUS, '1-1'), { idVendor: '0403', idProduct: '6001' });
    await tty('ttyUSB0', `${USB_BUS}/1-1/1-1:1.0/ttyUSB0`);
    expect(await listSysfsSerialPorts(roots)).toEqual([
      {
        path: path.join(roots.dev, 'ttyUSB0'),
        vendorId: '0403',
        productId: '6001',
        manufacturer: 'FTDI',
        product: 'FT232R USB UART',
      },
    ]);
  });

  it('names adapters that give no strings of their own by their chip (CH340, PL2303)', async () => {
    await attributes(path.join(roots.sys, USB_BUS, '1-1'), { idVendor: '1a86', idProduct: '7523' });
    await tty('ttyUSB0', `${USB_BUS}/1-1/1-1:1.0/ttyUSB0`);
    // A PL2303 that names its maker but not its product keeps its own string.
    await attributes(path.join(roots.sys, USB_BUS, '1-2'), {
      idVendor: '067b',
      idProduct: '2303',
      manufacturer: 'Prolific Technology Inc.',
    });
    await tty('ttyUSB1', `${USB_BUS}/1-2/1-2:1.0/ttyUSB1`);
    expect(await listSysfsSerialPorts(roots)).toEqual([
      {
        path: path.join(roots.dev, 'ttyUSB0'),
        vendorId: '1a86',
        productId: '7523',
        manufacturer: 'WCH',
        product: 'CH340 USB-serial',
      },
      {
        path: path.join(roots.dev, 'ttyUSB1'),
        vendorId: '067b',
        productId: '2303',
        manufacturer: 'Prolific Technology Inc.',
        product: 'PL2303 USB-serial',
      },
    ]);
  });

  it('lists nothing, without failing, when there are only consoles', async () => {
    await tty('tty0', 'devices/virtual', { device: false });
    await tty('console', 'devices/virtual', { device: false });
    expect(await listSysfsSerialPorts(roots)).toEqual([]);
  });

  it('says what to do when sysfs is not there', async () => {
    const missing = { sys: path.join(root, 'no-sys'), dev: roots.dev };
    await expect(listSysfsSerialPorts(missing)).rejects.toMatchObject({
      code: 'device_error',
      message: expect.stringMatching(
        /^Could not list serial ports: .*no-sys.* — type the port's path instead, e.g\. \/dev\/ttyUSB0$/,
      ),
    });
  });
});

describe('withKnownPaths', () => {
  it('adds the known paths that are character devices now, after the listed ports', async () => {
    const listed = [{ path: '/dev/null', vendorId: '0403', productId: '6001', serialNumber: 'A1' }];
    // A user's own link to a listed port carries its facts; a link to another device none.
    const mine = path.join(root, 'console-link');
    await symlink('/dev/null', mine);
    const other = path.join(root, 'zero-link');
    await symlink('/dev/zero', other);
    const file = path.join(root, 'not-a-device');
    await writeFile(file, '');
    const gone = path.join(root, 'unplugged');
    expect(
      await withKnownPaths(listed, [mine, other, file, gone, 'relative/tty', '/dev/null']),
    ).toEqual([
      ...listed,
      { path: mine, vendorId: '0403', productId: '6001', serialNumber: 'A1' },
      { path: other },
    ]);
  });
});
