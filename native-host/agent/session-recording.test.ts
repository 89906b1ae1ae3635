import { describe, expect, it } from 'vitest';
import { SessionCopilot } from '../copilot/session-copilot.js';
import type { Device } from '../devices/index.js';
import type { ClientLink } from './link.js';
import { SessionRecording } from './session-recording.js';

const tech = { id: 'local:tech', name: 'Tomás', color: '#336699' };
const link = { participant: tech, role: 'owner' } as unknown as ClientLink;

describe('SessionRecording feeding the Copilot', () => {
  it('shows the Copilot a line as typed before the echo that reports it (readline echoes line and Enter in one chunk)', () => {
    const copilot = new SessionCopilot(80);
    // A device in raw mode (readline) with no flags to read: the guard judges a line by its echo.
    const recording = new SessionRecording(undefined, {} as Device, () => undefined, copilot);
    recording.output('tech@box:~$ ');
    let written = false;
    recording.input(link, 'mkdir -p /srv/releases\r', () => (written = true));
    expect(written).toBe(true);
    // The echo, the line break and the next prompt arrive together; the guard reports the line
    // only now, on reading its echo.
    recording.output('mkdir -p /srv/releases\r\n\x1b[?2004l\rtech@box:~$ ');
    const entry = copilot.ask('changes', { askedBy: tech, device: 'bash' });
    expect(entry.changes?.map((c) => [c.command, c.typedBy])).toEqual([
      ['mkdir -p /srv/releases', ['Host']],
    ]);
  });
});
