import type { DeviceSpec } from '../../protocol/index.js';
import type { Device, TerminalSize } from './device.js';
import { openEcho } from './echo.js';
import { openPty } from './pty.js';
import { openSerial } from './serial.js';
import { openSsh, type SshOptions } from './ssh.js';

export type { Device, DeviceExit, DeviceLinkState, TerminalSize } from './device.js';
export { listSerialPorts } from './serial.js';
export { listSshHosts, type SshOptions } from './ssh.js';

export interface DeviceContext {
  ssh: SshOptions;
}

export async function openDevice(
  spec: DeviceSpec,
  size: TerminalSize,
  context: DeviceContext,
): Promise<Device> {
  switch (spec.kind) {
    case 'echo':
      return openEcho();
    case 'pty':
      return openPty(spec, size);
    case 'ssh':
      return openSsh(spec, size, context.ssh);
    case 'serial':
      return openSerial(spec);
  }
}
