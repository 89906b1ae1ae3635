import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from './client.js';

describe('AgentClient', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
  });

  it('fails at once on a frame length over the limit instead of waiting out its requests', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-client-'));
    const file = path.join(dir, 'agent.sock');
    // Something on the agent socket that answers with a bogus length.
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        const bogus = Buffer.alloc(4);
        bogus.writeUInt32LE(0xfffffff0, 0);
        socket.write(bogus);
      });
    });
    await new Promise<void>((resolve) => server.listen(file, resolve));
    cleanup.push(() => {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const client = await AgentClient.connect(file, 10_000);
    const started = Date.now();
    await expect(client.request('session.list', {})).rejects.toThrow(/over the limit/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
