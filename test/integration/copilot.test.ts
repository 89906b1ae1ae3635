/**
 * The Copilot through the real agent: a scripted bash session typed into a real PTY, the four
 * actions asked over the host, answers broadcast to every view and kept in the session's
 * thread for views that attach later. A line typed at a no-echo prompt never reaches it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, CopilotAction, CopilotEntry } from '../../protocol/index.js';
import {
  makeAgentEnv,
  openBash,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { events, readAll } from '../fixtures/recordings.js';

describe('Copilot through the agent', () => {
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let second: HostProcess;

  beforeAll(() => {
    agentEnv = makeAgentEnv();
    host = spawnHost(agentEnv.env);
    second = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await second.close();
    await host.close();
    await agentEnv.cleanup();
  });

  it('answers the four actions on a scripted session, to every view, and keeps the thread', async () => {
    const { client } = host;
    const { sessionId, view } = await openBash(client, [second.client]);
    const seen: CopilotEntry[] = [];
    second.client.onEvent((e: AgentEvent) => {
      if (e.type === 'session.copilot' && e.sessionId === sessionId) seen.push(e.entry);
    });

    const PROMPT = 'tech@field-box:/tmp % ';
    const prompts = (text: string): number => text.split(PROMPT).length - 1;
    /** Types a line and waits for the next prompt (and `until`, if given). */
    const type = async (line: string, until?: string): Promise<void> => {
      const before = prompts(view.text);
      client.notify('session.input', { sessionId, data: `${line}\r` });
      await view.waitFor((t) => prompts(t) > before && t.endsWith(PROMPT));
      if (until !== undefined) expect(view.text).toContain(until);
    };
    const dir = `${agentEnv.root}/work`;
    client.notify('session.input', { sessionId, data: `PS1='tech@field-box:\\w % '; cd /tmp\r` });
    await view.waitFor((t) => t.endsWith(PROMPT));
    await type(`mkdir -p ${dir}/releases && echo made`, 'made');
    await type(`ls /no/such/dir; ls /no/such/dir`, 'No such file or directory');
    client.notify('session.input', { sessionId, data: `read -s -p 'Password: ' PW\r` });
    await view.waitFor((t) => t.endsWith('Password: '));
    await type('hunter2-secret');
    await type(`echo "warning: disk 91% full on /var"`, 'full on /var');

    const ask = async (action: CopilotAction): Promise<CopilotEntry> =>
      (await client.request('copilot.ask', { sessionId, action })).entry;

    const catchup = await ask('catchup');
    expect(catchup.title).toMatch(/^Catch-up: last \d+ lines$/);
    expect(catchup.markdown).toContain('host tech@field-box');
    expect(catchup.markdown).toContain(`\`mkdir -p ${dir}/releases && echo made\` — changes state`);
    expect(catchup.markdown).toMatch(/2× error: ls: cannot access '\/no\/such\/dir': No such file/);
    expect(catchup.markdown).toMatch(/1× warning: warning: disk 91% full on \/var/);
    // The prompt that followed the no-echo `Password: ` on its line still starts a command.
    expect(catchup.markdown).toContain('`echo "warning: disk 91% full on /var"`');
    expect(catchup.markdown).not.toContain('Password: tech@');

    const changes = await ask('changes');
    // `read` is one the classifier cannot judge: listed as unknown, never as read-only.
    expect(changes.changes?.map((c) => [c.command, c.changesState])).toEqual([
      [`mkdir -p ${dir}/releases && echo made`, true],
      ["read -s -p 'Password: ' PW", null],
    ]);
    const mkdir = changes.changes?.[0];
    // The owner typed it: answers go to everyone, so they name the display name, never the
    // Unix account (which remote participants are not told).
    expect(mkdir?.typedBy).toEqual(['Host']);
    expect(catchup.markdown).not.toContain(`${agentEnv.env.USER ?? 'root'}:`);
    expect(mkdir?.reason).toBe('creates, moves or deletes files');
    expect(changes.recordingId).toEqual(expect.any(String));
    expect(changes.markdown).toContain(
      `/replay.html?recording=${changes.recordingId ?? ''}&t=${mkdir?.t ?? -1}`,
    );

    const handoff = await ask('handoff');
    expect(handoff.hypothesis).toBe('');
    expect(handoff.markdown).toContain('**Next checks:**');
    const procedure = await ask('procedure');
    expect(procedure.markdown).toContain('# Procedure draft');

    for (const entry of [catchup, changes, handoff, procedure]) {
      expect(entry.markdown).not.toContain('hunter2');
    }
    // Every view got every answer as it came.
    await expect
      .poll(() => seen.map((e) => e.id))
      .toEqual([1, 2, 3, 4].map((n) => catchup.id + n - 1));

    // A view that attaches later reads the thread.
    const late = spawnHost(agentEnv.env);
    try {
      await late.client.request('session.attach', { sessionId });
      const { entries, enabled } = await late.client.request('copilot.thread', { sessionId });
      expect(enabled).toBe(true);
      expect(entries.map((e) => e.action)).toEqual(['catchup', 'changes', 'handoff', 'procedure']);
      expect(entries[1]?.changes).toEqual(changes.changes);
    } finally {
      await late.close();
    }

    // The thread is kept with the recording, each answer as everyone saw it.
    const recorded = async (): Promise<CopilotEntry[]> =>
      events(await readAll(client, changes.recordingId ?? '', 'native'))
        .filter((e) => e[1] === 'c')
        .map((e) => e[2] as CopilotEntry);
    await expect.poll(recorded, { timeout: 10_000 }).toHaveLength(4);
    expect(await recorded()).toEqual([catchup, changes, handoff, procedure]);
    await client.request('session.close', { sessionId });
  });

  it('is off when the owner turns it off: every view is told, asks are refused, nothing typed meanwhile is read', async () => {
    const { client } = host;
    const { sessionId, view } = await openBash(client, [second.client], { cols: 100, rows: 30 });
    const states: boolean[] = [];
    second.client.onEvent((e: AgentEvent) => {
      if (e.type === 'session.copilotState' && e.sessionId === sessionId) states.push(e.enabled);
    });
    const run = async (line: string, marker: string): Promise<void> => {
      client.notify('session.input', { sessionId, data: `${line}; echo ${marker}-$((6*7))\r` });
      await view.waitFor((t) => t.includes(`${marker}-42`));
    };
    client.notify('session.input', { sessionId, data: `PS1='ops@box:\\w $ '\r` });
    await view.waitFor((t) => t.endsWith('ops@box:~ $ ') || /ops@box:\S* \$ $/.test(t));
    await run('touch /tmp/tandem-copilot-before', 'before');

    expect((await client.request('copilot.set', { sessionId, enabled: false })).enabled).toBe(
      false,
    );
    await expect.poll(() => states).toEqual([false]);
    expect((await second.client.request('copilot.thread', { sessionId })).enabled).toBe(false);
    await expect(
      second.client.request('copilot.ask', { sessionId, action: 'changes' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/turned the Copilot off/),
    });
    await run('touch /tmp/tandem-copilot-while-off', 'off');

    await client.request('copilot.set', { sessionId, enabled: true });
    await expect.poll(() => states).toEqual([false, true]);
    await run('touch /tmp/tandem-copilot-after', 'after');
    const { entry } = await client.request('copilot.ask', { sessionId, action: 'changes' });
    const commands = entry.changes?.map((c) => c.command) ?? [];
    expect(commands.some((c) => c.includes('tandem-copilot-before'))).toBe(true);
    expect(commands.some((c) => c.includes('tandem-copilot-after'))).toBe(true);
    expect(commands.some((c) => c.includes('while-off'))).toBe(false);
    expect(entry.markdown).not.toContain('while-off');
    await client.request('session.close', { sessionId });
  });

  it('refuses an unknown action and a session that does not exist', async () => {
    await expect(
      host.client.request('copilot.ask', {
        sessionId: 'no-such-session',
        action: 'catchup',
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      host.client.request('copilot.ask', {
        sessionId: 'no-such-session',
        // @ts-expect-error: not an action, refused at ingress
        action: 'summarize-everything',
      }),
    ).rejects.toMatchObject({ code: 'bad_request' });
  });
});
