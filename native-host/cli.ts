import { parseArgs } from 'node:util';
import { allItems } from '../protocol/index.js';
import { AgentClient } from './client.js';
import { EXTENSION_ID } from './extension-id.js';
import { socketPath } from './paths.js';
import { manifestDirs, register, unregister, type Browser } from './register.js';

const USAGE = `Usage: tandem-agent <command>

  register [--browser chrome|chromium|edge|all] [--user-data-dir DIR]
                 Register the native messaging host for the Tandem extension
  unregister [--browser chrome|chromium|edge|all] [--user-data-dir DIR]
                 Remove what register wrote
  host           Native messaging host (started by Chrome)
  daemon         Run the agent in the foreground
  status         Show the running agent's sessions
  stop           Stop the agent (sessions end cleanly)
`;

function browsers(value: string | undefined): Browser[] {
  switch (value ?? 'all') {
    case 'chrome':
      return ['chrome'];
    case 'chromium':
      return ['chromium'];
    case 'edge':
      return ['edge'];
    case 'all':
      return ['chrome', 'chromium', 'edge'];
    default:
      throw new Error(`--browser must be chrome, chromium, edge or all (got "${value}")`);
  }
}

function registrationTargets(args: string[]): string[] {
  const { values } = parseArgs({
    args,
    options: { browser: { type: 'string' }, 'user-data-dir': { type: 'string' } },
  });
  return manifestDirs(browsers(values.browser), values['user-data-dir']);
}

async function connectToAgent(): Promise<AgentClient | undefined> {
  try {
    return await AgentClient.connect(socketPath(), 5000);
  } catch {
    return undefined;
  }
}

async function status(): Promise<number> {
  const client = await connectToAgent();
  if (client === undefined) {
    process.stdout.write(`No Tandem agent is running (${socketPath()}).\n`);
    return 3;
  }
  const hello = await client.request('hello', {
    client: { name: 'tandem-agent status' },
    protocol: 1,
  });
  const sessions = await allItems(
    (cursor) => client.request('session.list', cursor === undefined ? {} : { cursor }),
    (page) => page.sessions,
  );
  client.close();
  process.stdout.write(
    `Tandem agent ${hello.agent.version}, pid ${hello.agent.pid}, ${sessions.length} session(s)\n`,
  );
  for (const s of sessions) {
    process.stdout.write(
      `  ${s.sessionId}  ${s.state.padEnd(12)} ${s.device.kind.padEnd(6)} ${s.cols}x${s.rows}  ${s.clients} client(s)  ${s.name}\n`,
    );
  }
  return 0;
}

async function stop(): Promise<number> {
  const client = await connectToAgent();
  if (client === undefined) {
    process.stdout.write('No Tandem agent is running.\n');
    return 0;
  }
  await client.request('agent.stop', {});
  client.close();
  process.stdout.write('Tandem agent stopped.\n');
  return 0;
}

export async function main(argv: string[], cliPath: string): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'register':
      for (const dir of registrationTargets(rest)) {
        const { manifestPath } = register(dir, cliPath);
        process.stdout.write(`Registered ${manifestPath} for extension ${EXTENSION_ID}\n`);
      }
      return 0;
    case 'unregister':
      for (const dir of registrationTargets(rest)) {
        for (const file of unregister(dir)) process.stdout.write(`Removed ${file}\n`);
      }
      return 0;
    case 'host': {
      const { runHost } = await import('./host.js');
      return runHost(cliPath);
    }
    case 'daemon': {
      const { runDaemon } = await import('./agent/daemon.js');
      return runDaemon();
    }
    case 'status':
      return status();
    case 'stop':
      return stop();
    case 'id':
      process.stdout.write(`${EXTENSION_ID}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}
