import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { encodeFrame, errorReply } from '../protocol/index.js';
import { SETTLING_NODE_FLAGS } from './agent/settle.js';
import { fileLogger } from './log.js';
import { logFile, runtimeDir, socketPath } from './paths.js';

const START_TIMEOUT_MS = 8000;

/**
 * glibc gives each thread that allocates under contention a malloc arena of its own (up to
 * 8 per core) and seldom returns their memory: the agent (libuv's pool, the snapshot worker)
 * and its WebRTC process (libdatachannel's threads) grew by arenas over a long soak. Two are
 * plenty for their allocation rates (docs/agent.md, Memory). The children inherit it.
 */
const DAEMON_ENV = { MALLOC_ARENA_MAX: '2' };

function connect(file: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Starts `tandem-agent daemon` detached from Chrome, so sessions outlive this shim. */
function startAgent(cliPath: string): void {
  fs.mkdirSync(runtimeDir(), { recursive: true, mode: 0o700 });
  const log = fs.openSync(logFile('agent'), 'a', 0o600);
  const child = spawn(process.execPath, [...SETTLING_NODE_FLAGS, cliPath, 'daemon'], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...DAEMON_ENV, ...process.env },
  });
  child.unref();
  fs.closeSync(log);
}

async function connectOrStart(cliPath: string): Promise<net.Socket> {
  const file = socketPath();
  try {
    return await connect(file);
  } catch {
    startAgent(cliPath);
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      return await connect(file);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error('agent did not start');
}

/**
 * `tandem-agent host`: what Chrome starts for native messaging. Pipes frames between
 * stdin/stdout and the agent socket untouched (both sides use the same framing; the agent
 * validates). Only frames go to stdout; logs go to a file.
 */
export async function runHost(cliPath: string): Promise<number> {
  const logger = fileLogger(logFile('host'), 'host');
  logger.info('host.started', {
    origin: process.argv.find((a) => a.startsWith('chrome-extension://')),
  });
  let socket: net.Socket;
  try {
    socket = await connectOrStart(cliPath);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.error('host.no_agent', { error: message });
    process.stdout.write(
      encodeFrame(
        errorReply(null, {
          code: 'internal',
          message: `Could not start the Tandem agent (${message}) — see ${logFile('agent')}`,
        }),
      ),
    );
    return 1;
  }
  logger.info('host.connected');
  return new Promise<number>((resolve) => {
    const finish = (code: number, why: string): void => {
      logger.info('host.exit', { why });
      socket.destroy();
      resolve(code);
    };
    process.stdin.on('end', () => finish(0, 'stdin closed'));
    process.stdin.on('error', () => finish(0, 'stdin error'));
    socket.on('close', () => finish(0, 'agent closed'));
    socket.on('error', (error) => logger.warn('host.socket_error', { error: error.message }));
    process.stdout.on('error', () => finish(0, 'stdout closed'));
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
  });
}
