/**
 * The team relay as a team runs it: `tandem-relay serve` in its own process, admin commands
 * against its data folder, members over real HTTP and WebSockets.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PRESENCE_PATH,
  RESOURCE_KINDS,
  parseEnrolmentLink,
  type Enrolment,
  type Resource,
} from '../../protocol/team.js';
import type { AgentEvent } from '../../protocol/index.js';
import { makeAgentEnv, spawnHost } from '../fixtures/agent.js';
import { Participant, parseInviteUrl } from '../fixtures/participant.js';
import { startPostgres, type Postgres } from '../fixtures/postgres.js';
import { PresenceClient, TeamRelayProcess, selfSignedCert } from '../fixtures/team-relay.js';

const run = promisify(execFile);

function api(
  relay: TeamRelayProcess,
  token: string | undefined,
  route: string,
  init: RequestInit = {},
) {
  return fetch(`${relay.url}${route}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  });
}

async function share(
  relay: TeamRelayProcess,
  who: Enrolment,
  kind: string,
  name: string,
  scope: object,
): Promise<Resource> {
  const response = await api(relay, who.token, '/api/resources', {
    method: 'POST',
    body: JSON.stringify({ kind, name, scope, data: { note: name } }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as Resource;
}

// The same matrix against each store (docs/relay.md): the embedded SQLite, and PostgreSQL for
// relays beyond one machine, a real server started here from the Debian package.
let postgres: Postgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(() => postgres?.close());

async function startRelay(
  kind: 'sqlite' | 'postgres',
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<TeamRelayProcess> {
  if (kind === 'sqlite') return TeamRelayProcess.start(env, args);
  if (postgres === undefined) throw new Error('PostgreSQL did not start');
  return TeamRelayProcess.start(env, args, {
    storeUrl: await postgres.createDatabase(),
    storeFiles: postgres.dataDir,
  });
}

describe.each(['sqlite', 'postgres'] as const)('with the %s store', (kind) => {
  describe('enrolment and the admin commands', () => {
    let relay: TeamRelayProcess;
    beforeAll(async () => {
      relay = await startRelay(kind);
      await relay.admin('org', 'create', 'Acme');
      await relay.admin('team', 'add', 'Ops');
    });
    afterAll(() => relay.close());

    it('turns a one-time link into a member token, stored only as a hash', async () => {
      const out = await relay.admin('member', 'add', 'Ada Lovelace', '--team', 'Ops', '--admin');
      const link = parseEnrolmentLink(out.trim().split('\n').pop() ?? '');
      expect(link?.relayUrl).toBe(relay.url);
      const enrol = () =>
        api(relay, undefined, '/api/enrol', {
          method: 'POST',
          body: JSON.stringify({ token: link?.token }),
        });
      const first = await enrol();
      expect(first.status).toBe(200);
      const enrolment = (await first.json()) as Enrolment;
      expect(enrolment.member).toMatchObject({ name: 'Ada Lovelace', admin: true });
      expect(enrolment.teams.map((t) => t.name)).toEqual(['Ops']);
      expect(enrolment.relayUrl).toBe(relay.url);

      const again = await enrol();
      expect(again.status).toBe(401);
      expect(((await again.json()) as { error: string }).error).toMatch(/used already/);

      const me = await api(relay, enrolment.token, '/api/me');
      expect(((await me.json()) as { member: { name: string } }).member.name).toBe('Ada Lovelace');

      // Neither secret is in the store's files as written (PostgreSQL: after a checkpoint).
      await postgres?.checkpoint();
      const raw = Buffer.concat(filesUnder(relay.storeFiles).map((f) => fs.readFileSync(f)));
      expect(raw.includes(Buffer.from(enrolment.member.id))).toBe(true);
      expect(raw.includes(Buffer.from(enrolment.token))).toBe(false);
      expect(raw.includes(Buffer.from(link?.token ?? 'x'))).toBe(false);

      const list = await relay.admin('member', 'list');
      expect(list).toMatch(/Ada Lovelace\tOps\tadmin\tenrolled/);
    });

    it('says what is wrong with a bad admin command', async () => {
      const fail = (...words: string[]) =>
        relay.admin(...words).then(
          () => {
            throw new Error('should have failed');
          },
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
      expect(await fail('member', 'add', 'Bob', '--team', 'Nope')).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/no team "Nope" \(teams: Ops\)/),
      });
      expect(await fail('org', 'create', 'Acme')).toMatchObject({
        stderr: expect.stringMatching(/exists/),
      });
      expect(await fail('member', 'add', '<script>', '--team', 'Ops')).toMatchObject({
        stderr: expect.stringMatching(/is not a name/),
      });
      expect(await fail('member', 'remove', 'Nobody')).toMatchObject({
        stderr: expect.stringMatching(/no member "Nobody"/),
      });
      expect(await fail('frobnicate')).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/Unknown command/),
      });
      // Flags of the scale-out settings, straight to the CLI (a failed check must not serve).
      const cli = (...words: string[]) =>
        run(process.execPath, ['relay/bin/tandem-relay.js', ...words], { timeout: 10_000 }).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
      expect(await cli('member', 'list', '--store', 'mysql://db/x')).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--store takes "sqlite" or a postgres:\/\/ URL/),
      });
      expect(await cli('serve', '--port', '0', '--turn-url', 'turn:127.0.0.1:3478')).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/TURN needs its shared secret/),
      });
      expect(await cli('serve', '--port', '0', '--redis', 'http://x')).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--redis takes a redis:\/\/ URL/),
      });
      const badConfig = path.join(relay.dataDir, 'bad.json');
      fs.writeFileSync(badConfig, '{"port": "eighty"}');
      expect(await fail('member', 'list', '--config', badConfig)).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/port/),
      });
    });

    if (kind === 'sqlite') {
      it('backs the data folder up to one file another relay can open', async () => {
        const copy = path.join(relay.dataDir, 'backup.db');
        await relay.admin('backup', copy);
        const other = fs.mkdtempSync(path.join(relay.dataDir, 'restored-'));
        fs.copyFileSync(copy, path.join(other, 'relay.db'));
        const { stdout } = await run(process.execPath, [
          'relay/bin/tandem-relay.js',
          'member',
          'list',
          '--data',
          other,
        ]);
        expect(stdout).toMatch(/Ada Lovelace/);
      });
    } else {
      it('copies a SQLite data folder into PostgreSQL once, tokens and all', async () => {
        // A small team on the embedded store, with an enrolled member and a shared thing.
        const small = await TeamRelayProcess.start();
        try {
          await small.setUp('Initech', ['Dev']);
          const milton = await small.enrolMember('Milton', ['Dev']);
          await share(small, milton, 'artifact', 'Stapler', { kind: 'org' });
          await small.stop();
          const target = await postgres?.createDatabase();
          if (target === undefined) throw new Error('no PostgreSQL');
          const copy = (...more: string[]) =>
            run(process.execPath, [
              'relay/bin/tandem-relay.js',
              'copy',
              '--from-data',
              small.dataDir,
              '--store',
              target,
              ...more,
            ]);
          const { stdout } = await copy();
          expect(stdout).toMatch(
            /1 orgs, 1 teams, 1 members, 1 team_members, 1 enrolments, 1 tokens, 1 resources/,
          );
          // Twice would duplicate a relay: refused, and the copy stays as it was.
          await expect(copy()).rejects.toMatchObject({
            stderr: expect.stringMatching(/not empty/),
          });
          // The member's token works against a relay on PostgreSQL, as does what they shared.
          const moved = await TeamRelayProcess.start({}, [], { storeUrl: target });
          try {
            const me = await api(moved, milton.token, '/api/me');
            expect(me.status).toBe(200);
            const list = await api(moved, milton.token, '/api/resources?kind=artifact');
            expect(((await list.json()) as { resources: Resource[] }).resources).toMatchObject([
              { name: 'Stapler' },
            ]);
          } finally {
            await moved.close();
          }
        } finally {
          await small.close();
        }
      });
    }

    it('answers /health and serves the guest page without a token', async () => {
      const response = await fetch(`${relay.url}/health`);
      expect(await response.json()).toMatchObject({
        ok: true,
        version: '0.1.0',
        store: kind,
        storeOk: true,
        connectedMembers: 0,
        uptimeS: expect.any(Number),
      });
      // Guests without the extension join from the page the team relay serves (the build's).
      const page = await fetch(`${relay.url}/join`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(await page.text()).toMatch(/<script type="module"/);
    });
  });

  describe('presence', () => {
    let relay: TeamRelayProcess;
    let ada: Enrolment;
    let bob: Enrolment;
    beforeAll(async () => {
      relay = await startRelay(kind, { TANDEM_RELAY_PRESENCE_TIMEOUT_MS: '2000' });
      await relay.setUp('Acme', ['Ops']);
      ada = await relay.enrolMember('Ada', ['Ops']);
      bob = await relay.enrolMember('Bob', ['Ops']);
    });
    afterAll(() => relay.close());

    it('goes online → away → offline → online, each within a second, across a relay restart', async () => {
      const watcher = (await PresenceClient.connect(relay.url, bob.token)).beatEvery(500);
      await watcher.until(() => watcher.heard.find((m) => m.type === 'roster'));
      expect(watcher.stateOf(ada.member.id)).toBe('offline');

      const adaSocket = await PresenceClient.connect(relay.url, ada.token);
      let since = Date.now();
      await watcher.until(() => watcher.stateOf(ada.member.id) === 'online', 1000, 'online');
      expect(Date.now() - since).toBeLessThan(1000);

      since = Date.now();
      adaSocket.send({ type: 'beat', state: 'away' });
      await watcher.until(() => watcher.stateOf(ada.member.id) === 'away', 1000, 'away');

      // Silence (a sleeping laptop keeps its socket open): offline after the timeout, no later.
      since = Date.now();
      await watcher.until(() => watcher.stateOf(ada.member.id) === 'offline', 4000, 'offline');
      expect(Date.now() - since).toBeLessThan(3500);
      expect(await adaSocket.until(() => adaSocket.closeCode, 2000, 'close')).toBe(4408);

      const back = (await PresenceClient.connect(relay.url, ada.token)).beatEvery(500);
      await watcher.until(() => watcher.stateOf(ada.member.id) === 'online', 1000, 'online again');

      // The relay restarts: both sockets close; reconnected, the roster says who is there.
      await relay.stop();
      await watcher.until(() => watcher.closeCode, 2000, 'close');
      await relay.serve();
      const watcher2 = await PresenceClient.connect(relay.url, bob.token);
      const back2 = await PresenceClient.connect(relay.url, ada.token);
      await watcher2.until(
        () => watcher2.stateOf(ada.member.id) === 'online',
        2000,
        'online after restart',
      );
      for (const c of [watcher, adaSocket, back, watcher2, back2]) c.close();
    });

    it('cuts a removed member at once, and their token with them', async () => {
      const carol = await relay.enrolMember('Carol', ['Ops']);
      const watcher = await PresenceClient.connect(relay.url, bob.token);
      const socket = await PresenceClient.connect(relay.url, carol.token);
      await watcher.until(
        () => watcher.stateOf(carol.member.id) === 'online',
        2000,
        'carol online',
      );
      const since = Date.now();
      await relay.admin('member', 'remove', 'Carol');
      await socket.until(() => socket.closeCode, 2000, 'carol cut');
      expect(Date.now() - since).toBeLessThan(2000);
      expect(socket.closeCode).toBe(4403);
      expect(socket.heard.some((m) => m.type === 'removed')).toBe(true);
      await watcher.until(
        () =>
          watcher.heard.some(
            (m) => m.type === 'roster' && !m.members.some((x) => x.id === carol.member.id),
          ),
        2000,
        'roster without carol',
      );
      expect((await api(relay, carol.token, '/api/me')).status).toBe(401);
      const again = await PresenceClient.connect(relay.url, carol.token);
      await again.until(() => again.closeCode, 2000, 'refused');
      expect(again.closeCode).toBe(4401);
      watcher.close();
    });

    it('carries asks and invites to a teammate, and a session only to those it is shared with', async () => {
      const bobSocket = await PresenceClient.connect(relay.url, bob.token);
      const adaSocket = await PresenceClient.connect(relay.url, ada.token);
      await bobSocket.until(() => bobSocket.stateOf(ada.member.id) === 'online');
      const teamId = ada.teams[0]?.id ?? '';
      const session = await share(relay, ada, 'session', 'core-router-1 console', {
        kind: 'team',
        teamId,
      });
      adaSocket.send({ type: 'session', resourceId: session.id });
      await bobSocket.until(() =>
        bobSocket.changes().find((c) => c.session?.name === 'core-router-1 console'),
      );
      bobSocket.send({ type: 'ask', to: ada.member.id });
      await adaSocket.until(() =>
        adaSocket.heard.find((m) => m.type === 'ask' && m.from === bob.member.id),
      );
      adaSocket.send({
        type: 'invite',
        to: bob.member.id,
        url: 'http://127.0.0.1:1/join#a.b.c.d',
        role: 'viewer',
      });
      await bobSocket.until(() =>
        bobSocket.heard.find((m) => m.type === 'invite' && m.role === 'viewer'),
      );
      // Someone who cannot say hello learns nothing.
      const stranger = new WebSocket(relay.url.replace('http', 'ws') + PRESENCE_PATH);
      const heard: string[] = [];
      stranger.on('message', (d) => heard.push(String(d)));
      const code = await new Promise<number>((resolve) => {
        stranger.on('open', () =>
          stranger.send(JSON.stringify({ type: 'ask', to: ada.member.id })),
        );
        stranger.on('close', (c) => resolve(c));
      });
      expect(code).toBe(4401);
      expect(heard.join()).not.toMatch(/Ada|core-router/);
      bobSocket.close();
      adaSocket.close();
    });
  });

  describe('scoping: two organizations, two teams each, every kind of shared thing', () => {
    let relay: TeamRelayProcess;
    const m: Record<string, Enrolment> = {};
    beforeAll(async () => {
      relay = await startRelay(kind);
      for (const org of ['Acme', 'Globex']) await relay.setUp(org, ['Net', 'Db']);
      m.acmeNet = await relay.enrolMember('an', ['Net'], 'Acme');
      m.acmeNet2 = await relay.enrolMember('an2', ['Net'], 'Acme');
      m.acmeDb = await relay.enrolMember('ad', ['Db'], 'Acme');
      m.globexNet = await relay.enrolMember('gn', ['Net'], 'Globex');
    });
    afterAll(() => relay.close());

    it.each(RESOURCE_KINDS)(
      '%s: team scope reaches the team, org scope the org, nothing crosses',
      async (kind) => {
        const owner = m.acmeNet;
        if (owner === undefined) throw new Error('no owner');
        const netTeam = owner.teams.find((t) => t.name === 'Net')?.id ?? '';
        const dbTeam = owner.teams.find((t) => t.name === 'Db')?.id ?? '';
        const teamThing = await share(relay, owner, kind, `${kind} for Net`, {
          kind: 'team',
          teamId: netTeam,
        });
        const orgThing = await share(relay, owner, kind, `${kind} for Acme`, { kind: 'org' });
        // Sharing to a team you are not in, or one of another org, is refused.
        for (const teamId of [
          dbTeam,
          m.globexNet?.teams.find((t) => t.name === 'Net')?.id ?? 'x',
        ]) {
          const refused = await api(relay, owner.token, '/api/resources', {
            method: 'POST',
            body: JSON.stringify({ kind, name: 'nope', scope: { kind: 'team', teamId } }),
          });
          expect(refused.status).toBe(403);
        }
        const sees = async (who: Enrolment | undefined) => {
          const list = await api(relay, who?.token, `/api/resources?kind=${kind}`);
          const names = ((await list.json()) as { resources: Resource[] }).resources.map(
            (r) => r.name,
          );
          const reads = await Promise.all(
            [teamThing, orgThing].map(
              async (r) => (await api(relay, who?.token, `/api/resources/${r.id}`)).status,
            ),
          );
          return { names: names.sort(), reads };
        };
        expect(await sees(m.acmeNet2)).toEqual({
          names: [`${kind} for Acme`, `${kind} for Net`],
          reads: [200, 200],
        });
        expect(await sees(m.acmeDb)).toEqual({ names: [`${kind} for Acme`], reads: [404, 200] });
        expect(await sees(m.globexNet)).toEqual({ names: [], reads: [404, 404] });
        // Nor can anyone else change or remove it.
        for (const who of [m.acmeDb, m.globexNet, m.acmeNet2]) {
          const del = await api(relay, who?.token, `/api/resources/${teamThing.id}`, {
            method: 'DELETE',
          });
          expect([403, 404]).toContain(del.status);
          const put = await api(relay, who?.token, `/api/resources/${teamThing.id}`, {
            method: 'PUT',
            body: JSON.stringify({ kind, name: 'stolen', scope: { kind: 'org' } }),
          });
          expect(put.status).toBe(404);
        }
        expect(
          (await api(relay, owner.token, `/api/resources/${teamThing.id}`, { method: 'DELETE' }))
            .status,
        ).toBe(204);
      },
    );

    it('keeps a shared artifact of up to 512 KiB with who shared it, lists it briefly, and refuses more', async () => {
      const owner = m.acmeNet;
      if (owner === undefined) throw new Error('no owner');
      const netTeam = owner.teams.find((t) => t.name === 'Net')?.id ?? '';
      const scope = { kind: 'team', teamId: netTeam };
      // A long session's artifact: hundreds of commands and a screenful of evidence.
      const commands = Array.from({ length: 500 }, (_, i) => ({
        command: `show interface Gi1/0/${i} counters errors | include CRC`,
        typedBy: ['an'],
        at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
        t: i * 1000,
        changesState: false,
        reason: 'reads',
      }));
      const data = {
        tandem: 'artifact',
        schema: 1,
        commands,
        evidence: [{ text: 'x'.repeat(330_000) }],
      };
      const body = (name: string, payload: unknown) =>
        JSON.stringify({ kind: 'artifact', name, scope, data: payload });
      expect(Buffer.byteLength(JSON.stringify(data))).toBeGreaterThan(400_000);
      const put = await api(relay, owner.token, '/api/resources', {
        method: 'POST',
        body: body('Core switch CRC errors', data),
      });
      expect(put.status, await put.clone().text()).toBe(201);
      const shared = (await put.json()) as Resource;
      expect(shared.ownerName).toBe('an');

      // A teammate reads it whole, with the sharer's name; the brief list leaves the data out.
      const read = (await (
        await api(relay, m.acmeNet2?.token, `/api/resources/${shared.id}`)
      ).json()) as Resource;
      expect(read).toMatchObject({ name: 'Core switch CRC errors', ownerName: 'an' });
      expect((read.data as typeof data).commands).toHaveLength(500);
      const brief = (await (
        await api(relay, m.acmeNet2?.token, '/api/resources?kind=artifact&brief=1')
      ).json()) as { resources: Resource[] };
      const listed = brief.resources.find((r) => r.id === shared.id);
      expect(listed).toMatchObject({ name: 'Core switch CRC errors', ownerName: 'an' });
      expect(listed).not.toHaveProperty('data');

      // Over 512 KiB: refused with the limit named, and nothing kept.
      const big = await api(relay, owner.token, '/api/resources', {
        method: 'POST',
        body: body('Too big', { evidence: [{ text: 'x'.repeat(530_000) }] }),
      });
      expect(big.status).toBe(400);
      expect(((await big.json()) as { error: string }).error).toMatch(/at most 512 KiB/);
      // A session stays small.
      const session = await api(relay, owner.token, '/api/resources', {
        method: 'POST',
        body: JSON.stringify({ kind: 'session', name: 'big', scope, data: 'x'.repeat(70_000) }),
      });
      expect(session.status).toBe(400);
      // An artifact's id cannot be turned into another kind.
      const retype = await api(relay, owner.token, `/api/resources/${shared.id}`, {
        method: 'PUT',
        body: JSON.stringify({ kind: 'session', name: 'x', scope, data: {} }),
      });
      expect(retype.status).toBe(409);
      expect(
        (await api(relay, owner.token, `/api/resources/${shared.id}`, { method: 'DELETE' })).status,
      ).toBe(204);
    });
  });

  describe('security', () => {
    let relay: TeamRelayProcess;
    let dana: Enrolment;
    let erin: Enrolment;
    beforeAll(async () => {
      relay = await startRelay(kind);
      await relay.setUp('Acme', ['Ops']);
      dana = await relay.enrolMember('Dana', ['Ops']);
      erin = await relay.enrolMember('Erin', ['Ops']);
    });
    afterAll(() => relay.close());

    it('revokes a token on request: the API and the socket refuse it', async () => {
      const socket = await PresenceClient.connect(relay.url, dana.token);
      await socket.until(() => socket.heard.find((x) => x.type === 'welcome'));
      expect((await api(relay, dana.token, '/api/tokens/revoke', { method: 'POST' })).status).toBe(
        204,
      );
      await socket.until(() => socket.closeCode, 2000, 'socket cut');
      expect(socket.closeCode).toBe(4403);
      expect((await api(relay, dana.token, '/api/me')).status).toBe(401);
    });

    it('closes a presence socket that sends too much', async () => {
      const socket = await PresenceClient.connect(relay.url, erin.token);
      await socket.until(() => socket.heard.find((x) => x.type === 'welcome'));
      socket.socket.send('x'.repeat(100_000));
      await socket.until(() => socket.closeCode, 2000, 'closed');
      expect(socket.closeCode).toBe(1009);
    });

    // Last: they exhaust this address's budget for bad tokens and enrolments.
    it('refuses every API without a member token, and slows down guessing', async () => {
      for (const [method, route] of [
        ['GET', '/api/me'],
        ['GET', '/api/resources?kind=session'],
        ['POST', '/api/resources'],
        ['GET', '/api/resources/abcdefgh'],
        ['DELETE', '/api/resources/abcdefgh'],
        ['POST', '/api/tokens/revoke'],
      ] as const) {
        const response = await api(relay, undefined, route, { method });
        expect(response.status, `${method} ${route}`).toBe(401);
      }
      let last = 0;
      for (let i = 0; i < 30 && last !== 429; i += 1)
        last = (await api(relay, `guess${i}`, '/api/me')).status;
      expect(last).toBe(429);
    });

    it('limits enrolment attempts and answers garbage with 400, never a crash', async () => {
      const garbage = await fetch(`${relay.url}/api/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(garbage.status).toBe(400);
      const huge = await fetch(`${relay.url}/api/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'x'.repeat(200_000) }),
      });
      expect(huge.status).toBe(400);
      let last = 0;
      for (let i = 0; i < 20 && last !== 429; i += 1)
        last = (
          await api(relay, undefined, '/api/enrol', {
            method: 'POST',
            body: JSON.stringify({ token: `made-up-token-${i}-aaaaaaaaaaaaaaaaaaaaa` }),
          })
        ).status;
      expect(last).toBe(429);
      expect((await fetch(`${relay.url}/health`)).status).toBe(200);
    });
  });
});

describe('TLS', () => {
  it('serves HTTPS and WSS with the given certificate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-tls-'));
    const tls = await selfSignedCert(dir);
    const relay = await TeamRelayProcess.start({}, ['--tls-cert', tls.cert, '--tls-key', tls.key]);
    try {
      expect(relay.url.startsWith('https://')).toBe(true);
      const health = await new Promise<string>((resolve, reject) => {
        https
          .get(`${relay.url}/health`, { ca: tls.pem }, (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
      expect(JSON.parse(health)).toMatchObject({ ok: true });
      await relay.admin('org', 'create', 'Acme');
      const out = await relay.admin(
        'member',
        'add',
        'Ada',
        '--public-url',
        'https://relay.acme.example',
      );
      expect(out).toMatch(/^https:\/\/relay\.acme\.example\/enrol#/m);
      // A presence socket over WSS: refused for a bad token, as over WS.
      const socket = await PresenceClient.connect(relay.url, 'not-a-token', 'online', tls.pem);
      expect(await socket.until(() => socket.closeCode, 3000, 'close')).toBe(4401);
    } finally {
      await relay.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an enrolled agent', () => {
  it('shares through the team relay under the member name, and goes back once nothing is shared', async () => {
    const relay = await TeamRelayProcess.start();
    await relay.setUp('Acme', ['Ops']);
    const ada = await relay.enrolMember('Ada Lovelace', ['Ops']);
    const bob = await relay.enrolMember('Bob', ['Ops']);
    const agentEnv = makeAgentEnv();
    const host = spawnHost(agentEnv.env);
    const participants: Participant[] = [];
    try {
      const open = () =>
        host.client.request('session.open', {
          device: { kind: 'pty', shell: '/bin/bash', args: ['--norc', '--noprofile'] },
          cols: 80,
          rows: 24,
        });
      const { sessionId } = await open();
      await host.client.request('session.attach', { sessionId });
      const ownerEvents: AgentEvent[] = [];
      host.client.onEvent((event) => ownerEvents.push(event));
      const team = {
        relayUrl: relay.url,
        displayName: 'Ada Lovelace',
        iceServers: [],
        token: ada.token,
      };
      expect(await host.client.request('sharing.configure', { team })).toEqual({
        relayUrl: relay.url,
        pending: false,
      });
      const { url } = await host.client.request('invite.create', { sessionId, role: 'viewer' });
      expect(url.startsWith(`${relay.url}/join#`)).toBe(true);
      const link = parseInviteUrl(url);

      // Bob joins with a ticket for this agent, typing another name: he is Bob, in his colour.
      const ticket = async (who: Enrolment, audience: string) => {
        const response = await api(relay, who.token, '/api/tickets', {
          method: 'POST',
          body: JSON.stringify({ audience }),
        });
        return ((await response.json()) as { ticket: string }).ticket;
      };
      const bobTicket = await ticket(bob, link.peerId);
      // The ticket names its agent: redeemed for another, it proves nothing.
      const elsewhere = await api(relay, ada.token, '/api/tickets/redeem', {
        method: 'POST',
        body: JSON.stringify({ ticket: bobTicket, audience: 'tandem-someone-else' }),
      });
      expect(elsewhere.status).toBe(404);
      const p = await Participant.connect(link);
      participants.push(p);
      await p.join(link, 'Mallory', undefined, bobTicket);
      const events: AgentEvent[] = [];
      p.onEvent((event) => events.push(event));
      await p.request('session.attach', { sessionId });
      const people = (list: AgentEvent[]) =>
        list.flatMap((e) => (e.type === 'session.participants' ? e.participants : []));
      const deadline = Date.now() + 10_000;
      while (
        (people(events).find((x) => x.role === 'owner') === undefined ||
          people(ownerEvents).find((x) => !x.local) === undefined) &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 50));
      expect(people(events).find((x) => x.role === 'owner')?.name).toBe('Ada Lovelace');
      expect(
        people(ownerEvents)
          .filter((x) => !x.local)
          .pop(),
      ).toMatchObject({
        name: 'Bob',
        color: bob.member.color,
      });

      // Removing Bob from the team takes him out of the session within a check.
      const since = Date.now();
      await relay.admin('member', 'remove', 'Bob');
      while (!p.closed && Date.now() - since < 8000) await new Promise((r) => setTimeout(r, 50));
      expect(p.closed).toBe(true);
      expect(Date.now() - since).toBeLessThan(5000);

      // Leaving the team waits while the session is shared through the team relay...
      expect(await host.client.request('sharing.configure', { team: null })).toEqual({
        relayUrl: relay.url,
        pending: true,
      });
      // ...and once it ends, invites go through the agent's own relay again.
      await host.client.request('session.close', { sessionId });
      const second = await open();
      const again = await host.client.request('invite.create', {
        sessionId: second.sessionId,
        role: 'viewer',
      });
      expect(again.url.startsWith(relay.url)).toBe(false);
      expect(again.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/join#/);
    } finally {
      for (const p of participants) p.close();
      await host.close();
      await agentEnv.cleanup();
      await relay.close();
    }
  });
});

/** Every file under a folder (a PostgreSQL cluster has many). */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}
