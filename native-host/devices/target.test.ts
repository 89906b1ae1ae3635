import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serialTarget, sshTarget, systemTarget } from './target.js';

describe('device targets', () => {
  it('knows an SSH server by its host key, whatever name it was reached by', () => {
    const fp = 'SHA256:I1d4rWbV2mr207AK/dn6eXLDFSHqJyIOPm3jgr7JcxY';
    expect(sshTarget(fp, 'db1').key).toBe(sshTarget(fp, '10.0.0.5').key);
    expect(sshTarget(fp, 'db1')).toEqual({
      key: `ssh-host-key:${fp}`,
      label: 'db1 (SHA256:I1d4rWbV2mr2…)',
    });
  });

  it('knows a USB adapter by its serial number, through a by-id link, and a plain port by its path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-target-'));
    try {
      const tty = path.join(dir, 'ttyUSB1');
      const link = path.join(dir, 'usb-FTDI_FT232R_A12345-if00-port0');
      fs.writeFileSync(tty, '');
      fs.symlinkSync(tty, link);
      const ports = [
        {
          path: tty,
          manufacturer: 'FTDI',
          product: 'FT232R',
          vendorId: '0403',
          productId: '6001',
          serialNumber: 'A12345',
        },
      ];
      const byLink = serialTarget(link, ports);
      expect(byLink).toEqual({
        key: 'usb-serial:0403:6001:A12345',
        label: 'FTDI FT232R A12345',
      });
      // Re-plugged as another ttyUSB: the same adapter.
      expect(
        serialTarget(path.join(dir, 'ttyUSB7'), [{ ...ports[0], path: path.join(dir, 'ttyUSB7') }])
          .key,
      ).toBe(byLink.key);
      expect(serialTarget('/dev/pts/9', [])).toEqual({
        key: 'serial-path:/dev/pts/9',
        label: '/dev/pts/9',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows this machine by its host name', () => {
    expect(systemTarget('field-box')).toEqual({
      key: 'system:field-box',
      label: 'this machine (field-box)',
    });
  });
});
