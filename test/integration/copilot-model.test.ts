/**
 * Copilot questions to a language model, through the real agent, against a local HTTP server
 * that speaks the chat-completions API and records what it received: nothing leaves before the
 * asker agreed, what leaves is exactly the preview, and no secret typed or printed arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentEvent, CopilotEntry } from '../../protocol/index.js';
import {
  makeAgentEnv,
  openBash,
  spawnHost,
  type AgentEnv,
  type HostProcess,
} from '../fixtures/agent.js';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.js';
import { events, readAll } from '../fixtures/recordings.js';

const ANSWER = ['The disk ', 'on /var ', 'is **91% full**.'];

/** Everything secret the session holds; none of it may reach the model. */
const SECRETS = [
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'S3cr3tPa55',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU',
  'hunter2-typed',
  'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
];

describe('Copilot questions to a language model', () => {
  let chat: ChatServer;
  let agentEnv: AgentEnv;
  let host: HostProcess;
  let second: HostProcess;

  beforeAll(async () => {
    chat = await startChatServer(ANSWER);
    agentEnv = makeAgentEnv();
    agentEnv.env.TANDEM_AI_BASE_URL = chat.baseUrl;
    agentEnv.env.TANDEM_AI_API_KEY = 'test-key-123';
    agentEnv.env.TANDEM_AI_MODEL = 'tiny-test-model';
    host = spawnHost(agentEnv.env);
    second = spawnHost(agentEnv.env);
  });
  afterAll(async () => {
    await second.close();
    await host.close();
    await agentEnv.cleanup();
    await chat.close();
  });

  it('previews exactly what is sent, asks consent once, streams the answer to every view, and sends no secret', async () => {
    const { client } = host;
    const { sessionId, view } = await openBash(client, [second.client]);
    const drafts: string[] = [];
    const answers: CopilotEntry[] = [];
    second.client.onEvent((e: AgentEvent) => {
      if (e.type === 'session.copilotDraft' && e.sessionId === sessionId) drafts.push(e.text);
      if (e.type === 'session.copilot' && e.sessionId === sessionId) answers.push(e.entry);
    });

    const PROMPT = 'ops@db1:/tmp $ ';
    const run = async (line: string, until: string): Promise<void> => {
      client.notify('session.input', { sessionId, data: `${line}\r` });
      await view.waitFor((t) => t.includes(until) && t.endsWith(PROMPT));
    };
    client.notify('session.input', { sessionId, data: `PS1='ops@db1:\\w $ '; cd /tmp\r` });
    await view.waitFor((t) => t.endsWith(PROMPT));
    await run(`export AWS_SECRET_ACCESS_KEY=${SECRETS[0]}; echo set-$((6*7))`, 'set-42');
    await run(`echo "db_url=postgres://app:${SECRETS[1]}@db/prod"`, '@db/prod\r\n');
    await run(
      `printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\\n${SECRETS[2]}\\n-----END OPENSSH PRIVATE KEY-----\\n'`,
      '-----END OPENSSH PRIVATE KEY-----\r\n',
    );
    await run(
      `git remote -v | grep -c x; echo https://${SECRETS[4]}@github.com/x/y`,
      'github.com/x/y\r\n',
    );
    client.notify('session.input', { sessionId, data: `read -s -p 'Password: ' PW\r` });
    await view.waitFor((t) => t.endsWith('Password: '));
    await run(SECRETS[3] ?? '', PROMPT);
    await run(`echo "warning: disk 91% full on /var"`, 'full on /var\r\n');

    expect((await client.request('copilot.thread', { sessionId })).model).toBe('tiny-test-model');
    const question = 'Why is the disk filling up?';
    const preview = await client.request('copilot.preview', { sessionId, question });
    expect(preview.endpoint).toBe(`${agentEnv.env.TANDEM_AI_BASE_URL ?? ''}/chat/completions`);
    expect(preview.model).toBe('tiny-test-model');
    expect(preview.consented).toBe(false);
    const sent = JSON.stringify(preview.messages);
    expect(sent).toContain('warning: disk 91% full on /var');
    expect(sent).toContain(question);
    expect(sent).toContain('[redacted');
    for (const secret of SECRETS) expect(sent).not.toContain(secret);
    expect(Object.values(preview.redacted).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);

    // Not agreed yet: refused, and nothing was sent anywhere.
    await expect(client.request('copilot.question', { sessionId, question })).rejects.toMatchObject(
      { code: 'bad_request', details: { needsConsent: true } },
    );
    expect(chat.received).toHaveLength(0);

    const { entry } = await client.request('copilot.question', {
      sessionId,
      question,
      consent: true,
    });
    expect(entry).toMatchObject({
      action: 'question',
      question,
      draftBy: 'tiny-test-model',
      markdown: ANSWER.join(''),
    });
    // Exactly the preview went, to the configured endpoint, with the key, streamed.
    expect(chat.received).toHaveLength(1);
    expect(chat.received[0]?.url).toBe('/v1/chat/completions');
    expect(chat.received[0]?.authorization).toBe('Bearer test-key-123');
    expect(chat.received[0]?.body).toMatchObject({ model: 'tiny-test-model', stream: true });
    expect(chat.received[0]?.body.messages).toEqual(preview.messages);
    for (const secret of SECRETS) expect(JSON.stringify(chat.received)).not.toContain(secret);

    // The other view saw it grow, then the answer.
    await expect.poll(() => answers.map((a) => a.id)).toEqual([entry.id]);
    expect(drafts.length).toBeGreaterThanOrEqual(1);
    for (const draft of drafts) expect(ANSWER.join('').startsWith(draft)).toBe(true);

    // Agreed once per session: the next question goes without asking again.
    expect((await client.request('copilot.preview', { sessionId, question })).consented).toBe(true);
    await client.request('copilot.question', { sessionId, question: 'And what next?' });
    expect(chat.received).toHaveLength(2);
    // The state-change list is the rules' own: a model's answer never enters it.
    const { entry: changes } = await client.request('copilot.ask', {
      sessionId,
      action: 'changes',
    });
    expect(changes.draftBy).toBeUndefined();

    // Kept with the recording, labelled as the model's.
    const recorded = async (): Promise<CopilotEntry[]> =>
      events(await readAll(client, entry.recordingId ?? '', 'native'))
        .filter((e) => e[1] === 'c')
        .map((e) => e[2] as CopilotEntry);
    await expect.poll(recorded, { timeout: 10_000 }).toHaveLength(3);
    expect((await recorded())[0]).toEqual(entry);
    await client.request('session.close', { sessionId });
  });

  it('drops an answer still streaming when the owner turns the Copilot off', async () => {
    const { client } = host;
    const { sessionId } = await openBash(client, []);
    const drafts: string[] = [];
    client.onEvent((e: AgentEvent) => {
      if (e.type === 'session.copilotDraft' && e.sessionId === sessionId) drafts.push(e.text);
    });
    const asked = client.request('copilot.question', {
      sessionId,
      question: 'Is it safe to reboot?',
      consent: true,
    });
    asked.catch(() => undefined);
    await expect.poll(() => drafts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await client.request('copilot.set', { sessionId, enabled: false });
    await expect(asked).rejects.toMatchObject({ code: 'forbidden' });
    // Nothing of it joined the thread, for anyone, once the Copilot is back on.
    await client.request('copilot.set', { sessionId, enabled: true });
    const { entries } = await client.request('copilot.thread', { sessionId });
    expect(entries.filter((e) => e.question !== undefined)).toEqual([]);
    await client.request('session.close', { sessionId });
  });

  it('says what to set when no model is configured', async () => {
    const bare = makeAgentEnv();
    const other = spawnHost(bare.env);
    try {
      const { sessionId } = await other.client.request('session.open', {
        device: { kind: 'pty', shell: '/bin/bash' },
        cols: 80,
        rows: 24,
      });
      await other.client.request('session.attach', { sessionId });
      expect((await other.client.request('copilot.thread', { sessionId })).model).toBeUndefined();
      await expect(
        other.client.request('copilot.preview', { sessionId, question: 'why?' }),
      ).rejects.toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(/TANDEM_AI_BASE_URL/),
      });
    } finally {
      await other.close();
      await bare.cleanup();
    }
  });
});
