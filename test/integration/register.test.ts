import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_PUBLIC_KEY } from '../../protocol/index.js';
import { AgentClient } from '../../native-host/client.js';
import { EXTENSION_ID, extensionIdFromKey } from '../../native-host/extension-id.js';
import { makeAgentEnv, runCli, type AgentEnv } from '../fixtures/agent.js';

describe('tandem-agent register / unregister', () => {
  let agentEnv: AgentEnv;
  beforeAll(() => {
    agentEnv = makeAgentEnv();
  });
  afterAll(async () => {
    await agentEnv.cleanup();
  });

  it('derives the extension id from the committed public key', () => {
    expect(EXTENSION_ID).toMatch(/^[a-p]{32}$/);
    expect(extensionIdFromKey(EXTENSION_PUBLIC_KEY)).toBe(EXTENSION_ID);
    const id = runCli(agentEnv.env, ['id']);
    return expect(id).resolves.toMatchObject({ stdout: `${EXTENSION_ID}\n` });
  });

  it('writes a manifest for a dedicated profile whose wrapper speaks native messaging', async () => {
    const profile = path.join(agentEnv.root, 'profile');
    const result = await runCli(agentEnv.env, ['register', '--user-data-dir', profile]);
    expect(result.code).toBe(0);
    const manifestPath = path.join(profile, 'NativeMessagingHosts', 'dev.tandem.agent.json');
    const manifest: unknown = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    expect(manifest).toMatchObject({
      name: 'dev.tandem.agent',
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    });
    const wrapper = (manifest as { path: string }).path;
    expect(path.isAbsolute(wrapper)).toBe(true);
    expect(fs.statSync(wrapper).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(wrapper, 'utf8')).toContain(process.execPath);

    // Start it the way Chrome does: bare environment but HOME, origin as the argument.
    const child = spawn(wrapper, [`chrome-extension://${EXTENSION_ID}/`], {
      env: { HOME: agentEnv.env.HOME, ...pick(agentEnv.env, /^XDG_/) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const client = new AgentClient(child.stdout, child.stdin);
    const hello = await client.request('hello', { client: { name: 'chrome' }, protocol: 1 });
    expect(hello.agent.version).toMatch(/^\d+\.\d+\.\d+$/);
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));

    const removed = await runCli(agentEnv.env, ['unregister', '--user-data-dir', profile]);
    expect(removed.stdout).toContain('dev.tandem.agent.json');
    expect(fs.existsSync(manifestPath)).toBe(false);
    expect(fs.existsSync(wrapper)).toBe(false);
  });

  it('registers for Chrome, Chromium and Microsoft Edge in the per-user locations', async () => {
    const result = await runCli(agentEnv.env, ['register']);
    expect(result.code).toBe(0);
    const home = agentEnv.env.HOME ?? '';
    const config = agentEnv.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
    for (const browser of ['google-chrome', 'chromium', 'microsoft-edge']) {
      expect(
        fs.existsSync(path.join(config, browser, 'NativeMessagingHosts', 'dev.tandem.agent.json')),
      ).toBe(true);
    }
    const only = await runCli(agentEnv.env, ['unregister', '--browser', 'chromium']);
    expect(only.code).toBe(0);
    expect(
      fs.existsSync(path.join(config, 'chromium', 'NativeMessagingHosts', 'dev.tandem.agent.json')),
    ).toBe(false);
    expect(
      fs.existsSync(
        path.join(config, 'google-chrome', 'NativeMessagingHosts', 'dev.tandem.agent.json'),
      ),
    ).toBe(true);
    const bad = await runCli(agentEnv.env, ['register', '--browser', 'firefox']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--browser must be chrome, chromium, edge or all');
  });

  it('registers for Microsoft Edge alone, in its own folder', async () => {
    const home = agentEnv.env.HOME ?? '';
    const config = agentEnv.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
    const edge = path.join(
      config,
      'microsoft-edge',
      'NativeMessagingHosts',
      'dev.tandem.agent.json',
    );
    await runCli(agentEnv.env, ['unregister']);
    const result = await runCli(agentEnv.env, ['register', '--browser', 'edge']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(edge);
    const manifest: unknown = JSON.parse(fs.readFileSync(edge, 'utf8'));
    // Edge derives an unpacked extension's id from the manifest key, as Chrome does.
    expect(manifest).toMatchObject({ allowed_origins: [`chrome-extension://${EXTENSION_ID}/`] });
    expect(
      fs.existsSync(path.join(config, 'chromium', 'NativeMessagingHosts', 'dev.tandem.agent.json')),
    ).toBe(false);
    const removed = await runCli(agentEnv.env, ['unregister', '--browser', 'edge']);
    expect(removed.stdout).toContain(edge);
    expect(fs.existsSync(edge)).toBe(false);
  });
});

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (pattern.test(key) && value !== undefined) out[key] = value;
  return out;
}
