import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileLogger, type Logger } from '../log.js';
import { configDir, dataDir, logFile, runtimeDir, socketPath, sshDir } from '../paths.js';
import { Agent } from './agent.js';
import { serveConnection } from './connection.js';
import { lockHolder, releaseAgentLock, takeAgentLock } from './lock.js';
import { loadSharingConfig } from './sharing.js';

export interface RunningDaemon {
  socketPath: string;
  stop(): Promise<void>;
}

/** Is an agent answering on this socket? */
export function probeSocket(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function prepareRuntimeDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

/** Starts the agent: one per user, listening on its 0600 socket in a 0700 folder. */
export async function startDaemon(
  logger: Logger,
  onStopped: () => void = () => {},
): Promise<RunningDaemon | undefined> {
  const dir = runtimeDir();
  const file = socketPath();
  const lock = path.join(dir, 'agent.pid');
  prepareRuntimeDir(dir);
  if (!takeAgentLock(lock)) {
    logger.info('agent.already_running', { socket: file });
    return undefined;
  }
  if (await probeSocket(file)) {
    releaseAgentLock(lock);
    logger.info('agent.already_running', { socket: file });
    return undefined;
  }
  fs.rmSync(file, { force: true });

  let stopping: Promise<void> | undefined;
  const agent = new Agent({
    logger,
    devices: {
      ssh: {
        knownHostsFiles: [
          path.join(sshDir(), 'known_hosts'),
          path.join(configDir(), 'known_hosts'),
        ],
        knownHostsWritePath: path.join(configDir(), 'known_hosts'),
        sshConfigPath: path.join(sshDir(), 'config'),
      },
    },
    recordings: {
      dir: path.join(dataDir(), 'recordings'),
      settingsFile: path.join(configDir(), 'recording.json'),
    },
    sharing: loadSharingConfig(path.join(configDir(), 'sharing.json')),
    onStopRequested: () => void stop().then(onStopped),
    localSocket: process.env.TANDEM_LOCAL_SOCKET !== '0',
  });
  const server = net.createServer((socket) => {
    serveConnection(agent, socket, { role: 'owner', local: true, logger });
  });
  const previousMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(file, () => resolve());
    });
  } finally {
    process.umask(previousMask);
  }
  fs.chmodSync(file, 0o600);
  if (lockHolder(lock) !== process.pid) {
    // Lost the lock while starting (see takeAgentLock): the holder serves; we were never here.
    server.close();
    await agent.shutdown();
    logger.warn('agent.lost_lock', { socket: file });
    return undefined;
  }
  logger.info('agent.started', { socket: file });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('agent.stopping', { sessions: agent.sessionCount() });
      server.close();
      await agent.shutdown();
      fs.rmSync(file, { force: true });
      releaseAgentLock(lock);
      logger.info('agent.stopped');
    })();
    return stopping;
  };
  return { socketPath: file, stop };
}

/** `tandem-agent daemon`: runs in the foreground until stopped. */
export async function runDaemon(): Promise<number> {
  const logger = fileLogger(logFile('agent'), 'agent');
  process.on('uncaughtException', (error) => {
    logger.error('agent.uncaught', { error: error.message, stack: error.stack });
  });
  process.on('unhandledRejection', (error) => {
    logger.error('agent.unhandled', {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  const daemon = await startDaemon(logger, () => process.exit(0));
  if (daemon === undefined) {
    process.stderr.write(`A Tandem agent is already running on ${socketPath()}\n`);
    return 0;
  }
  const stop = async (): Promise<void> => {
    await daemon.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void stop());
  // The agent.stop request ends the process too, once sessions are closed.
  await new Promise<void>(() => {});
  return 0;
}
