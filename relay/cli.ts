/**
 * `tandem-relay`: the team relay a team runs on a server, and its admin commands.
 *
 *   tandem-relay [serve] [--config FILE] [--host H] [--port P] [--data DIR] [--public-url URL]
 *                [--tls-cert PEM --tls-key PEM] [--ice-servers JSON] [--store URL]
 *                [--redis URL] [--turn-url URL] [--ice-policy all|relay]
 *   tandem-relay org create NAME
 *   tandem-relay team add NAME [--org ORG]
 *   tandem-relay member add NAME --team T [--team T2] [--admin] [--org ORG] [--expires-days N]
 *   tandem-relay member link NAME | member remove NAME | member list
 *   tandem-relay migrate | backup FILE | copy --from-data DIR
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
import { Cluster } from './team/cluster.js';
import { PgStore } from './team/pg-store.js';
import { SqliteStore } from './team/sqlite-store.js';
import type { RelayStore } from './team/store.js';
import { DEFAULT_TURN_TTL_S, type TurnConfig } from './team/turn.js';

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
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('sqlite') }).strict(),
        z.object({ kind: z.literal('postgres'), url: z.string().min(1) }).strict(),
      ])
      .optional(),
    redis: z
      .object({
        url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}$/)
          .optional(),
      })
      .strict()
      .optional(),
    turn: z
      .object({
        urls: z
          .array(z.string().regex(/^turns?:/, 'a turn: or turns: URL'))
          .min(1)
          .max(8),
        secret: z.string().min(16, 'at least 16 characters').optional(),
        ttlS: z
          .number()
          .int()
          .min(60)
          .max(7 * 86400)
          .optional(),
      })
      .strict()
      .optional(),
    icePolicy: z.enum(['all', 'relay']).optional(),
    /** Connections this process holds at most (sockets of every kind; 2048 by default). */
    maxConnections: z.number().int().min(16).max(1_000_000).optional(),
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
  store: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
  redis?: { url: string; prefix?: string };
  turn?: TurnConfig;
  icePolicy: 'all' | 'relay';
  maxConnections?: number;
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
    store: { type: 'string' },
    redis: { type: 'string' },
    'turn-url': { type: 'string', multiple: true },
    'ice-policy': { type: 'string' },
    'from-data': { type: 'string' },
    'max-connections': { type: 'string' },
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
  let store: Settings['store'] = file.store ?? { kind: 'sqlite' };
  if (values.store !== undefined) {
    if (values.store === 'sqlite') store = { kind: 'sqlite' };
    else if (/^postgres(ql)?:\/\//.test(values.store))
      store = { kind: 'postgres', url: values.store };
    else
      throw new UsageError(
        `--store takes "sqlite" or a postgres:// URL (got "${values.store}"); a password belongs in PGPASSWORD or the config file, not the command line`,
      );
  }
  let redis = file.redis;
  if (values.redis !== undefined) {
    if (!/^rediss?:\/\//.test(values.redis))
      throw new UsageError(`--redis takes a redis:// URL (got "${values.redis}")`);
    redis = { ...file.redis, url: values.redis };
  }
  const turnUrls = values['turn-url'] ?? file.turn?.urls;
  let turn: TurnConfig | undefined;
  if (turnUrls !== undefined) {
    const bad = turnUrls.find((u) => !/^turns?:/.test(u));
    if (bad !== undefined) throw new UsageError(`--turn-url takes turn: URLs (got "${bad}")`);
    // The shared secret never goes on a command line (ps shows it): config or environment.
    const secret = process.env.TANDEM_RELAY_TURN_SECRET ?? file.turn?.secret;
    if (secret === undefined || secret.length < 16)
      throw new UsageError(
        'TURN needs its shared secret (coturn static-auth-secret, 16+ characters): set turn.secret in the config file or TANDEM_RELAY_TURN_SECRET',
      );
    turn = { urls: turnUrls, secret, ttlS: file.turn?.ttlS ?? DEFAULT_TURN_TTL_S };
  }
  const icePolicy = values['ice-policy'] ?? file.icePolicy ?? 'all';
  if (icePolicy !== 'all' && icePolicy !== 'relay')
    throw new UsageError(`--ice-policy is "all" or "relay" (got "${icePolicy}")`);
  if (
    icePolicy === 'relay' &&
    turn === undefined &&
    !(file.iceServers ?? []).some((s) => /turns?:/.test(String(s.urls)))
  )
    throw new UsageError('--ice-policy relay needs a TURN server (--turn-url, or iceServers)');
  const maxConnections =
    values['max-connections'] === undefined
      ? file.maxConnections
      : Number(values['max-connections']);
  if (
    maxConnections !== undefined &&
    !(Number.isInteger(maxConnections) && maxConnections >= 16 && maxConnections <= 1_000_000)
  )
    throw new UsageError(
      `--max-connections must be 16-1000000 (got "${values['max-connections']}")`,
    );
  return {
    ...(maxConnections === undefined ? {} : { maxConnections }),
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
    store,
    ...(redis === undefined ? {} : { redis }),
    ...(turn === undefined ? {} : { turn }),
    icePolicy,
  };
}

async function openStore(config: Settings): Promise<RelayStore> {
  if (config.store.kind === 'postgres') {
    try {
      return await PgStore.open(config.store.url);
    } catch (error) {
      throw new UsageError(
        `PostgreSQL at ${redactUrl(config.store.url)}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return openSqlite(config.dataDir);
}

function openSqlite(dataDir: string): SqliteStore {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(`Data folder ${dataDir}: cannot create it (${code(error)})`);
  }
  return new SqliteStore(path.join(dataDir, 'relay.db'));
}

/** A database URL without its password, for messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a URL that does not parse)';
  }
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
  const store = await openStore(config);
  const log = jsonLog((line) => process.stdout.write(line));
  const cluster =
    config.redis === undefined
      ? undefined
      : new Cluster(config.redis.url, log, config.redis.prefix);
  const staticDir = config.staticDir ?? defaultStaticDir();
  const relay = await startRelay({
    host: config.host,
    port: config.port,
    ...(staticDir === undefined ? {} : { staticDir }),
    ...(config.tls === undefined
      ? {}
      : { tls: { cert: readPem(config.tls.cert), key: readPem(config.tls.key) } }),
    warn: (message) => log('relay.warning', { message }),
    ...(config.maxConnections === undefined
      ? {}
      : { limits: { maxConnections: config.maxConnections } }),
    team: {
      directory: new Directory(store),
      storeKind: store.kind,
      ...(store instanceof PgStore ? { storeHealthy: () => store.ping() } : {}),
      ...(cluster === undefined ? {} : { cluster }),
      ...(config.turn === undefined ? {} : { turn: config.turn }),
      icePolicy: config.icePolicy,
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
    store: store.kind,
    ...(store.kind === 'sqlite' ? { dataDir: config.dataDir } : {}),
    schema: await store.schemaVersion(),
    ...(cluster === undefined ? {} : { replica: cluster.replicaId }),
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
  const store = await openStore(config);
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
      out(`Schema version ${await store.schemaVersion()} in ${where(config)}`);
    } else if (noun === 'backup') {
      if (verb === undefined) throw new UsageError('tandem-relay backup needs a FILE to write');
      if (!(store instanceof SqliteStore))
        throw new UsageError(
          'backup copies the SQLite data folder; back up PostgreSQL with pg_dump (docs/relay.md)',
        );
      await store.backup(path.resolve(verb));
      out(`Backed up ${config.dataDir} to ${path.resolve(verb)}`);
    } else if (noun === 'copy') {
      const from = values['from-data'];
      if (from === undefined)
        throw new UsageError('tandem-relay copy needs --from-data DIR (the SQLite data folder)');
      const source = path.resolve(from);
      if (!fs.existsSync(path.join(source, 'relay.db')))
        throw new UsageError(`${source} has no relay.db: is it a tandem-relay data folder?`);
      if (store instanceof SqliteStore && path.resolve(config.dataDir) === source)
        throw new UsageError('copy goes from the SQLite data folder to another store (--store)');
      const sqlite = new SqliteStore(path.join(source, 'relay.db'));
      try {
        const dump = await sqlite.dump();
        await store.load(dump);
        out(
          `Copied ${source} to ${where(config)}: ` +
            Object.entries(dump)
              .map(([table, rows]) => `${rows.length} ${table}`)
              .join(', '),
        );
      } finally {
        await sqlite.close();
      }
    } else {
      throw new UsageError(`Unknown command: ${words.join(' ')}. See tandem-relay --help`);
    }
  } finally {
    await store.close();
  }
}

function where(config: Settings): string {
  return config.store.kind === 'postgres' ? redactUrl(config.store.url) : config.dataDir;
}

function code(error: unknown): string {
  return error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
}

const HELP = `tandem-relay — the Tandem team relay (docs/relay.md)

  tandem-relay [serve] [--config FILE] [--host H] [--port P] [--data DIR] [--public-url URL]
               [--tls-cert PEM --tls-key PEM] [--ice-servers JSON] [--static DIR]
               [--store sqlite|postgres://…] [--redis redis://…] [--turn-url turn:…]
               [--ice-policy all|relay] [--max-connections N]
  tandem-relay org create NAME
  tandem-relay team add NAME [--org ORG]
  tandem-relay member add NAME --team T [--team T2] [--admin] [--org ORG] [--expires-days N]
  tandem-relay member link NAME | member remove NAME | member list
  tandem-relay migrate | backup FILE | copy --from-data DIR

TURN's shared secret comes from turn.secret in the config file or TANDEM_RELAY_TURN_SECRET.
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
