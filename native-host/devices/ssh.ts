import { readFile } from 'node:fs/promises';
import os from 'node:os';
import ssh2 from 'ssh2';
import type { ClientChannel, ServerHostKeyAlgorithm } from 'ssh2';
import { TandemError, type DeviceSpec, type SshHostAlias } from '../../protocol/index.js';
import type { Device, TerminalSize } from './device.js';
import { planAuth } from './ssh/auth.js';
import { openShellDevice } from './ssh/shell-device.js';
import { connectError } from './ssh/connect-errors.js';
import { loadKnownHosts, verifyHostKey } from './ssh/host-key.js';
import { knownKeyTypes } from './ssh/known-hosts.js';
import { fingerprintOf } from './ssh/fingerprint.js';
import { sshTarget } from './target.js';
import { parseSshConfig, resolveSshHost, sshHostAliases } from './ssh/ssh-config.js';

type SshSpec = Extract<DeviceSpec, { kind: 'ssh' }>;

export interface SshOptions {
  /** known_hosts files to trust (OpenSSH format), e.g. ~/.ssh/known_hosts and Tandem's own. */
  knownHostsFiles: string[];
  /** Where accepted first-use keys are appended (OpenSSH format). */
  knownHostsWritePath: string;
  /** ~/.ssh/config path; Host aliases are resolved from it (HostName, User, Port, IdentityFile). */
  sshConfigPath: string;
  /** ssh-agent socket, defaults to process.env.SSH_AUTH_SOCK */
  agentSocket?: string;
  /** connect timeout ms (default 10000) */
  readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 10_000;
/** Detects a dead link (Wi-Fi gone) within about a minute instead of never. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;

/** ssh2's default host key order; known types for the host are moved to the front. */
const HOST_KEY_ALGORITHMS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export async function listSshHosts(configPath: string): Promise<SshHostAlias[]> {
  return sshHostAliases(parseSshConfig(await readSshConfig(configPath)));
}

export async function openSsh(
  spec: SshSpec,
  size: TerminalSize,
  options: SshOptions,
): Promise<Device> {
  const resolved = resolveSshHost(
    parseSshConfig(await readSshConfig(options.sshConfigPath)),
    spec.host,
  );
  const host = resolved.hostName;
  const port = spec.port ?? resolved.port ?? 22;
  const username = spec.username ?? resolved.user ?? os.userInfo().username;
  const target = host === spec.host ? `${host}:${port}` : `${spec.host} (${host}:${port})`;
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const entries = await loadKnownHosts(options.knownHostsFiles);

  const client = new ssh2.Client();
  /** Our own reason for ending the attempt; wins over the generic error ssh2 reports after it. */
  let failure: TandemError | undefined;
  // The fingerprint of the key the server presented (and we accepted): the device's identity.
  let hostKey: string | undefined;
  const abort = (error: TandemError): void => {
    failure ??= error;
    client.end();
  };
  const auth = await planAuth(spec.auth, {
    username,
    who: `${username}@${spec.host}`,
    agentSocket: options.agentSocket ?? process.env.SSH_AUTH_SOCK,
    identityFiles: resolved.identityFiles,
    abort,
  });

  const preferred = knownKeyTypes(entries, host, port).flatMap(
    (type) => HOST_KEY_ALGORITHMS[type] ?? [],
  );
  const allAlgorithms = Object.values(HOST_KEY_ALGORITHMS).flat();
  const serverHostKey = [...new Set([...preferred, ...allAlgorithms])];

  const stream = await new Promise<ClientChannel>((resolve, reject) => {
    let settled = false;
    const settle = (error: TandemError | undefined, channel?: ClientChannel): void => {
      if (settled) return;
      settled = true;
      clearTimeout(shellTimer);
      if (channel !== undefined && error === undefined) resolve(channel);
      else {
        reject(
          error ??
            new TandemError('device_error', `Connection to ${target} closed while signing in`),
        );
        client.end();
      }
    };
    let shellTimer: NodeJS.Timeout | undefined;
    // Kept for the client's whole life: a later 'error' with no listener would crash the agent.
    client.on('error', (error: Error) => {
      settle(failure ?? connectError(error, { target, host, timeoutMs, rejected: auth.rejected }));
    });
    client.on('close', () => {
      settle(
        failure ??
          new TandemError(
            'device_error',
            `Connection to ${target} closed before a shell opened — check the server's sshd logs`,
          ),
      );
    });
    client.once('ready', () => {
      shellTimer = setTimeout(() => {
        settle(
          new TandemError(
            'device_error',
            `${target} did not open a shell within ${Math.round(timeoutMs / 1000)} s — try again`,
          ),
        );
      }, timeoutMs);
      client.shell(
        { term: 'xterm-256color', cols: size.cols, rows: size.rows, width: 0, height: 0 },
        (error, channel) => {
          if (error !== undefined && error !== null) {
            settle(
              new TandemError(
                'device_error',
                `${target} refused to open a shell (${error.message}) — check that ${username} has a login shell there`,
              ),
            );
          } else settle(undefined, channel);
        },
      );
    });
    client.connect({
      host,
      port,
      username,
      readyTimeout: timeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      algorithms: { serverHostKey },
      // The two-argument form makes ssh2 wait for us; refusing here ends the handshake, so a
      // stranger's server never sees a password or a key signature.
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void): void => {
        hostKey = fingerprintOf(key);
        verifyHostKey(key, {
          host,
          port,
          target,
          entries,
          acceptHostKey: spec.acceptHostKey,
          knownHostsWritePath: options.knownHostsWritePath,
        }).then(
          () => verify(true),
          (error: unknown) => {
            failure ??=
              error instanceof TandemError
                ? error
                : new TandemError('internal', `Could not check the host key of ${target}`);
            verify(false);
          },
        );
      },
      authHandler: auth.authHandler,
    });
  });

  if (hostKey === undefined) throw new TandemError('internal', `${target} sent no host key`);
  return openShellDevice(client, stream, {
    label: `${username}@${spec.host}:${port}`,
    hostLabel: spec.host,
    target: sshTarget(hostKey, spec.host),
  });
}

async function readSshConfig(configPath: string): Promise<string> {
  try {
    return await readFile(configPath, 'utf8');
  } catch (error) {
    if (
      error instanceof Error &&
      'code' in error &&
      (error.code === 'ENOENT' || error.code === 'ENOTDIR')
    ) {
      return '';
    }
    throw new TandemError(
      'device_error',
      `Could not read the ssh config ${configPath} — check that you may read it`,
    );
  }
}
