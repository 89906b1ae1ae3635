/**
 * `tandem-relay`: the team relay a team runs on a server, and its admin commands.
 *
 *   tandem-relay [serve] [--config FILE] [--host H] [--port P] [--data DIR] [--public-url URL]
 *                [--tls-cert PEM --tls-key PEM] [--ice-servers JSON]
 *   tandem-relay org create NAME
 *   tandem-relay team add NAME [--org ORG]
 *   tandem-relay member add NAME --team T [--team T2] [--admin] [--org ORG] [--expires-days N]
 *   tandem-relay member link NAME | member remove NAME | member list
 *   tandem-relay migrate | backup FILE
 *
 * Admin commands open the same data folder as the running relay; it notices their changes
 * within a second (a removed member's sockets close then).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { iceServersSchema, type IceServer } from '../protocol/team.js';
import { startRelay } from './relay.js';
import { Directory, DirectoryError } from './team/directory.js';
import { jsonLog } from './team/log.js';
import { SqliteStore } from './team/sqlite-store.js';

const DEFAULT_PORT = 9443;

const configSchema = z
  .object({
    host: z.string().min(1).max(255).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    dataDir: z.string().min(1).optional(),
    publicUrl: z.string().url().optional(),
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
      .strict()
      .optional(),
    iceServers: iceServersSchema.optional(),
    staticDir: z.string().min(1).optional(),
  })
  .strict();

interface Settings {
  host: string;
  port: number;
  dataDir: string;
  publicUrl?: string;
  tls?: { cert: string; key: string };
  iceServers: IceServer[];
  staticDir?: string;
}

class UsageError extends Error {}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    data: { type: 'string' },
    'public-url': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'ice-servers': { type: 'string' },
    static: { type: 'string' },
    org: { type: 'string' },
    team: { type: 'string', multiple: true },
    admin: { type: 'boolean', default: false },
    'expires-days': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

function settings(): Settings {
  let file: z.infer<typeof configSchema> = {};
  let base = process.cwd();
  if (values.config !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(values.config, 'utf8');
    } catch (error) {
      throw new UsageError(`--config ${values.config}: cannot read it (${code(error)})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`--config ${values.config}: not JSON`);
    }
    const result = configSchema.safeParse(parsed);
    if (!result.success)
      throw new UsageError(
        `--config ${values.config}: ${result.error.issues
          .map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
          .join('; ')}`,
      );
    file = result.data;
    base = path.dirname(path.resolve(values.config));
  }
  const port = values.port === undefined ? (file.port ?? DEFAULT_PORT) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535 (got "${values.port}")`);
  const certFile = values['tls-cert'] ?? file.tls?.cert;
  const keyFile = values['tls-key'] ?? file.tls?.key;
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together: give both PEM files, or neither');
  let iceServers = file.iceServers ?? [];
  if (values['ice-servers'] !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values['ice-servers']);
    } catch {
      parsed = undefined;
    }
    const result = iceServersSchema.safeParse(parsed);
    if (!result.success)
      throw new UsageError(
        '--ice-servers takes JSON like [{"urls":"turn:turn.example.com:3478","username":"u","credential":"p"}]',
      );
    iceServers = result.data;
  }
  const publicUrl = values['public-url'] ?? file.publicUrl;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl))
    throw new UsageError(`--public-url must be an http(s) address (got "${publicUrl}")`);
  const staticDir = values.static ?? file.staticDir;
  return {
    host: values.host ?? file.host ?? '127.0.0.1',
    port,
    dataDir: path.resolve(
      base,
      values.data ??
        file.dataDir ??
        path.join(
          process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'),
          'tandem-relay',
        ),
    ),
    ...(publicUrl === undefined ? {} : { publicUrl: publicUrl.replace(/\/+$/, '') }),
    ...(certFile === undefined || keyFile === undefined
      ? {}
      : { tls: { cert: path.resolve(base, certFile), key: path.resolve(base, keyFile) } }),
    iceServers,
    ...(staticDir === undefined ? {} : { staticDir: path.resolve(base, staticDir) }),
  };
}

function openStore(config: Settings): SqliteStore {
  try {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(`Data folder ${config.dataDir}: cannot create it (${code(error)})`);
  }
  return new SqliteStore(path.join(config.dataDir, 'relay.db'));
}

function linkBase(config: Settings): string {
  if (config.publicUrl !== undefined) return config.publicUrl;
  const scheme = config.tls === undefined ? 'http' : 'https';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${scheme}://${host}:${config.port}`;
}

function readPem(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(`${file}: cannot read it (${code(error)})`);
  }
}

function defaultStaticDir(): string | undefined {
  const built = new URL('../../.output/chrome-mv3', import.meta.url).pathname;
  return fs.existsSync(path.join(built, 'guest.html')) ? built : undefined;
}

const presenceTimeoutMs = (() => {
  const value = Number(process.env.TANDEM_RELAY_PRESENCE_TIMEOUT_MS);
  return Number.isInteger(value) && value >= 1000 ? value : undefined;
})();

async function serve(config: Settings): Promise<void> {
  const store = openStore(config);
  const log = jsonLog((line) => process.stdout.write(line));
  const staticDir = config.staticDir ?? defaultStaticDir();
  const relay = await startRelay({
    host: config.host,
    port: config.port,
    ...(staticDir === undefined ? {} : { staticDir }),
    ...(config.tls === undefined
      ? {}
      : { tls: { cert: readPem(config.tls.cert), key: readPem(config.tls.key) } }),
    warn: (message) => log('relay.warning', { message }),
    team: {
      directory: new Directory(store),
      storeKind: 'sqlite',
      iceServers: config.iceServers,
      log,
      ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
      // Tests shorten the 30 s that make a silent member offline.
      ...(presenceTimeoutMs === undefined ? {} : { presenceTimeoutMs }),
    },
  });
  log('relay.started', {
    url: relay.url,
    publicUrl: config.publicUrl ?? relay.url,
    dataDir: config.dataDir,
    schema: store.schemaVersion,
  });
  const stop = (): void => {
    log('relay.stopping');
    void relay
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function admin(config: Settings, words: string[]): Promise<void> {
  const store = openStore(config);
  const directory = new Directory(store);
  const out = (line: string) => process.stdout.write(line + '\n');
  const [noun, verb, name] = words;
  const need = (what: string): string => {
    if (name === undefined || name.trim() === '')
      throw new UsageError(`tandem-relay ${noun} ${verb} needs a ${what}`);
    return name;
  };
  const link = (token: string, expiresAt: number, who: string) =>
    out(
      `Enrolment link for ${who} (works once, until ${new Date(expiresAt).toISOString()}):\n` +
        `${linkBase(config)}/enrol#${token}`,
    );
  const ttlMs = (() => {
    if (values['expires-days'] === undefined) return undefined;
    const days = Number(values['expires-days']);
    if (!(days > 0 && days <= 90)) throw new UsageError('--expires-days must be 1-90');
    return days * 24 * 3600_000;
  })();
  try {
    if (noun === 'org' && verb === 'create') {
      const org = await directory.createOrg(need('name'));
      out(`Created organization ${org.name}`);
    } else if (noun === 'team' && verb === 'add') {
      const team = await directory.addTeam(values.org, need('name'));
      out(`Added team ${team.name}`);
    } else if (noun === 'member' && verb === 'add') {
      const added = await directory.addMember({
        ...(values.org === undefined ? {} : { org: values.org }),
        name: need('name'),
        teams: values.team ?? [],
        admin: values.admin,
        ...(ttlMs === undefined ? {} : { ttlMs }),
      });
      link(added.token, added.expiresAt, added.member.name);
    } else if (noun === 'member' && verb === 'link') {
      const member = await directory.member(values.org, need('name'));
      const fresh = await directory.enrolmentLink(member, ttlMs);
      link(fresh.token, fresh.expiresAt, member.name);
    } else if (noun === 'member' && verb === 'remove') {
      const member = await directory.removeMember(values.org, need('name'));
      out(`Removed ${member.name}: their tokens are revoked and their sockets close now`);
    } else if (noun === 'member' && verb === 'list') {
      const org = await directory.org(values.org);
      const teams = new Map((await store.listTeams(org.id)).map((t) => [t.id, t.name]));
      const members = await store.listMembers(org.id);
      if (members.length === 0) out(`${org.name} has no members yet`);
      for (const m of members) {
        const teamNames = m.teamIds.map((id) => teams.get(id) ?? id).join(', ') || '-';
        out(
          [
            m.name,
            teamNames,
            m.admin ? 'admin' : '',
            m.enrolledAt === undefined ? 'not enrolled' : 'enrolled',
          ]
            .filter((x) => x !== '')
            .join('\t'),
        );
      }
    } else if (noun === 'migrate') {
      out(`Schema version ${store.schemaVersion} in ${config.dataDir}`);
    } else if (noun === 'backup') {
      if (verb === undefined) throw new UsageError('tandem-relay backup needs a FILE to write');
      await store.backup(path.resolve(verb));
      out(`Backed up ${config.dataDir} to ${path.resolve(verb)}`);
    } else {
      throw new UsageError(`Unknown command: ${words.join(' ')}. See tandem-relay --help`);
    }
  } finally {
    await store.close();
  }
}

function code(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
}

const HELP = `tandem-relay — the Tandem team relay (docs/relay.md)

  tandem-relay [serve] [--config FILE] [--host H] [--port P] [--data DIR] [--public-url URL]
               [--tls-cert PEM --tls-key PEM] [--ice-servers JSON] [--static DIR]
  tandem-relay org create NAME
  tandem-relay team add NAME [--org ORG]
  tandem-relay member add NAME --team T [--team T2] [--admin] [--org ORG] [--expires-days N]
  tandem-relay member link NAME | member remove NAME | member list
  tandem-relay migrate | backup FILE

Admin commands take the same --config/--data as serve and may run while it does.`;

try {
  if (values.help) {
    process.stdout.write(HELP + '\n');
  } else if (positionals.length === 0 || positionals[0] === 'serve') {
    await serve(settings());
  } else {
    await admin(settings(), positionals);
  }
} catch (error) {
  if (error instanceof UsageError || error instanceof DirectoryError) {
    process.stderr.write(`tandem-relay: ${error.message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
  throw error;
}
