import { describe, expect, it } from 'vitest';
import { MAX_THREAD_ENTRIES, SessionCopilot } from './session-copilot.js';

const tech = { id: 'local:tech', name: 'Tomás' };
const ask = { askedBy: tech, device: 'bash' };

describe('SessionCopilot', () => {
  it('reads what was queued when asked, names typists and keeps no withheld line', () => {
    const copilot = new SessionCopilot(80);
    copilot.output('tech@box:~$ ');
    copilot.input(tech, 'rm -f /tmp/lock\r');
    copilot.output('rm -f /tmp/lock\r\ntech@box:~$ ');
    copilot.input(tech, 'sudo -k; sudo true\r');
    copilot.output('sudo -k; sudo true\r\n[sudo] password for tech: ');
    copilot.withheld(tech);
    copilot.output('\r\ntech@box:~$ ');
    const entry = copilot.ask('changes', ask);
    // The owner's own views (local:<os user>) are named by the display name everyone knows.
    expect(entry.changes?.map((c) => [c.command, c.typedBy])).toEqual([
      ['rm -f /tmp/lock', ['Host']],
    ]);
    expect(entry.askedBy).toEqual(tech);
    // Asked again with nothing new: the same answer, read from the live segmenter.
    expect(copilot.ask('changes', ask).changes).toEqual(entry.changes);
  });

  it('keeps the last answers only', () => {
    const copilot = new SessionCopilot(80);
    for (let i = 0; i < MAX_THREAD_ENTRIES + 5; i++) copilot.ask('catchup', ask);
    const thread = copilot.thread();
    expect(thread).toHaveLength(MAX_THREAD_ENTRIES);
    expect(thread[0]?.id).toBe(6);
  });

  it('uses the owner’s memories of the device in handoff notes and model questions, redacted', () => {
    const copilot = new SessionCopilot(80);
    copilot.output('tech@box:~$ ');
    const plain = copilot.ask('handoff', ask).markdown;
    expect(plain).not.toContain('Remembered about this device');
    copilot.memories = ['Port 7 flaps when\nthe fan fails', 'admin password=Hunter2Hunter2'];
    const note = copilot.ask('handoff', ask).markdown;
    expect(note).toContain('**Remembered about this device:**\n- Port 7 flaps when the fan fails');
    const { messages } = copilot.prepareQuestion('why does it flap?', ask);
    const sent = messages.map((m) => m.content).join('\n');
    expect(sent).toContain('What the owner remembers about this device:\n- Port 7 flaps when');
    // Whatever goes to a model is redacted, memories included.
    expect(sent).not.toContain('Hunter2Hunter2');
  });
});
