import { createHash, randomBytes } from 'node:crypto';
import { AVATAR_COLORS } from '../../protocol/avatars.js';
import type {
  Enrolment,
  IceServer,
  MemberInfo,
  Resource,
  ResourceInput,
  ResourceKind,
  TeamInfo,
} from '../../protocol/team.js';
import { DirectoryError } from './errors.js';
import {
  newId,
  type MemberRecord,
  type OrgRecord,
  type RelayStore,
  type ResourceRecord,
} from './store.js';

/** How long an enrolment link works unless the admin says otherwise. */
export const ENROLMENT_TTL_MS = 7 * 24 * 3600_000;
/** A member ticket (proof of membership for one join) lasts this long. */
export const TICKET_TTL_MS = 60_000;
/**
 * A shared thing's `data` (JSON) is at most this big: a session's is an invite; an artifact
 * carries a session's summary, evidence and up to 500 commands, a procedure its Markdown.
 */
export const RESOURCE_DATA_MAX: Record<ResourceKind, number> = {
  session: 64 * 1024,
  recording: 64 * 1024,
  artifact: 512 * 1024,
  procedure: 512 * 1024,
};
/** One member shares at most this many things of one kind (the relay's disk is everyone's). */
export const RESOURCES_PER_MEMBER = 1000;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._'-]{0,63}$/u;

export { DirectoryError };

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function checkName(what: string, name: string): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed))
    throw new DirectoryError(
      400,
      `${what} "${name}" is not a name: 1–64 letters, digits, spaces, . _ ' -, starting with a letter or digit`,
    );
  return trimmed;
}

export function memberInfo(member: MemberRecord): MemberInfo {
  return {
    id: member.id,
    name: member.name,
    color: member.color,
    admin: member.admin,
    teams: member.teamIds,
  };
}

/**
 * Who may see a shared thing: members of its organization when it is shared with the whole
 * organization, members of its team when shared with a team. Asked on every read and list.
 */
export function canSee(
  member: MemberRecord,
  resource: Pick<ResourceRecord, 'orgId' | 'scope'>,
): boolean {
  if (member.orgId !== resource.orgId) return false;
  return resource.scope.kind === 'org' || member.teamIds.includes(resource.scope.teamId);
}

/**
 * The organizations, teams and members of one relay, and the rules about them (enrolment,
 * tokens, scoping), over a RelayStore. The admin commands and the HTTP API both go through it.
 */
export class Directory {
  constructor(
    readonly store: RelayStore,
    private readonly now: () => number = Date.now,
  ) {}

  async org(name?: string): Promise<OrgRecord> {
    if (name !== undefined) {
      const org = await this.store.findOrg(name);
      if (org === undefined) throw new DirectoryError(404, `No organization named "${name}"`);
      return org;
    }
    const orgs = await this.store.listOrgs();
    if (orgs.length === 1 && orgs[0] !== undefined) return orgs[0];
    throw new DirectoryError(
      400,
      orgs.length === 0
        ? 'No organization yet: create one with `tandem-relay org create NAME`'
        : `This relay has ${orgs.length} organizations: say which with --org NAME`,
    );
  }

  async createOrg(name: string): Promise<OrgRecord> {
    const clean = checkName('Organization', name);
    if ((await this.store.findOrg(clean)) !== undefined)
      throw new DirectoryError(409, `An organization named "${clean}" exists already`);
    return this.store.createOrg(clean);
  }

  async addTeam(orgName: string | undefined, name: string): Promise<TeamInfo> {
    const org = await this.org(orgName);
    const clean = checkName('Team', name);
    const teams = await this.store.listTeams(org.id);
    if (teams.some((t) => t.name === clean))
      throw new DirectoryError(409, `${org.name} has a team named "${clean}" already`);
    const team = await this.store.addTeam(org.id, clean);
    return { id: team.id, name: team.name };
  }

  /** Adds a member and returns their first enrolment link's token. */
  async addMember(options: {
    org?: string;
    name: string;
    teams: string[];
    admin: boolean;
    ttlMs?: number;
  }): Promise<{ member: MemberRecord; token: string; expiresAt: number }> {
    const org = await this.org(options.org);
    const name = checkName('Member', options.name);
    if ((await this.store.findMember(org.id, name)) !== undefined)
      throw new DirectoryError(409, `${org.name} has a member named "${name}" already`);
    const teams = await this.store.listTeams(org.id);
    const teamIds = options.teams.map((teamName) => {
      const team = teams.find((t) => t.name === teamName);
      if (team === undefined)
        throw new DirectoryError(
          404,
          `${org.name} has no team "${teamName}"` +
            (teams.length === 0
              ? ': add one with `tandem-relay team add NAME`'
              : ` (teams: ${teams.map((t) => t.name).join(', ')})`),
        );
      return team.id;
    });
    const member = await this.store.addMember({
      orgId: org.id,
      name,
      color: colorFor(name),
      admin: options.admin,
      teamIds: [...new Set(teamIds)],
      at: this.now(),
    });
    return { member, ...(await this.enrolmentLink(member, options.ttlMs)) };
  }

  /** A fresh enrolment link for a member (a new browser, a lost token). */
  async enrolmentLink(
    member: MemberRecord,
    ttlMs = ENROLMENT_TTL_MS,
  ): Promise<{ token: string; expiresAt: number }> {
    const token = newToken();
    const expiresAt = this.now() + ttlMs;
    await this.store.addEnrolment(hashToken(token), member.id, expiresAt);
    return { token, expiresAt };
  }

  async member(orgName: string | undefined, name: string): Promise<MemberRecord> {
    const org = await this.org(orgName);
    const member = await this.store.findMember(org.id, name);
    if (member === undefined) throw new DirectoryError(404, `${org.name} has no member "${name}"`);
    return member;
  }

  async removeMember(orgName: string | undefined, name: string): Promise<MemberRecord> {
    const member = await this.member(orgName, name);
    await this.store.removeMember(member.id, this.now());
    return member;
  }

  /** Redeems an enrolment link: a new member token (returned once, stored hashed). */
  async enrol(
    linkToken: string,
    relayUrl: string,
    iceServers: (memberId: string) => IceServer[],
  ): Promise<Enrolment> {
    const memberId = await this.store.takeEnrolment(hashToken(linkToken), this.now());
    const member = memberId === undefined ? undefined : await this.store.getMember(memberId);
    if (member === undefined)
      throw new DirectoryError(
        401,
        'This enrolment link is not valid: it was used already, it expired, or it was revoked. ' +
          'Ask your relay admin for a new one (`tandem-relay member link NAME`).',
      );
    const token = newToken();
    await this.store.addToken(hashToken(token), member.id, this.now());
    const org = await this.orgById(member.orgId);
    return {
      token,
      member: memberInfo(member),
      org: { id: org.id, name: org.name },
      teams: await this.teams(member.orgId),
      relayUrl,
      iceServers: iceServers(member.id),
    };
  }

  /** The member a token belongs to, now: a removed member or a revoked token has none. */
  async authenticate(token: string | undefined): Promise<MemberRecord | undefined> {
    if (token === undefined || token.length === 0 || token.length > 256) return undefined;
    return this.store.memberForToken(hashToken(token));
  }

  async teams(orgId: string): Promise<TeamInfo[]> {
    return (await this.store.listTeams(orgId)).map((t) => ({ id: t.id, name: t.name }));
  }

  async orgById(orgId: string): Promise<OrgRecord> {
    const org = (await this.store.listOrgs()).find((o) => o.id === orgId);
    if (org === undefined) throw new DirectoryError(404, 'No such organization');
    return org;
  }

  /**
   * `audience`: the peer id of the agent whose session the member joins. Only that agent may
   * redeem it, so an owner who receives your ticket cannot pass it on to be you elsewhere.
   */
  async issueTicket(
    member: MemberRecord,
    audience: string,
  ): Promise<{ ticket: string; expiresInMs: number }> {
    const now = this.now();
    const ticket = newToken();
    await this.store.addTicket(
      {
        tokenHash: hashToken(ticket),
        memberId: member.id,
        orgId: member.orgId,
        audience,
        expiresAt: now + TICKET_TTL_MS,
      },
      now,
    );
    return { ticket, expiresInMs: TICKET_TTL_MS };
  }

  /**
   * Who a ticket names, once, for a member of the same organization (the owner's agent); a
   * ticket from another organization, used, expired or made up is a 404 either way.
   */
  async redeemTicket(reader: MemberRecord, ticket: string, audience: string): Promise<MemberInfo> {
    const memberId = await this.store.takeTicket(
      hashToken(ticket),
      reader.orgId,
      audience,
      this.now(),
    );
    if (memberId === undefined)
      throw new DirectoryError(
        404,
        'No such ticket: it was used, it expired, or it is not for you',
      );
    const member = await this.store.getMember(memberId);
    if (member === undefined) throw new DirectoryError(404, 'That member was removed');
    return memberInfo(member);
  }

  /** Which of these member ids still name members of the reader's organization. */
  async activeMembers(reader: MemberRecord, ids: string[]): Promise<string[]> {
    const members = await this.store.listMembers(reader.orgId);
    const live = new Set(members.map((m) => m.id));
    return ids.filter((id) => live.has(id));
  }

  async share(member: MemberRecord, input: ResourceInput, id = newId()): Promise<Resource> {
    if (input.scope.kind === 'team' && !member.teamIds.includes(input.scope.teamId))
      throw new DirectoryError(403, 'You can share only with a team you are in');
    const data = JSON.stringify(input.data ?? null);
    const max = RESOURCE_DATA_MAX[input.kind];
    if (Buffer.byteLength(data) > max)
      throw new DirectoryError(400, `A shared ${input.kind} is at most ${max / 1024} KiB`);
    const existing = await this.store.getResource(id);
    if (existing !== undefined && existing.ownerId !== member.id)
      throw new DirectoryError(404, 'Nothing shared under that id');
    if (existing !== undefined && existing.kind !== input.kind)
      throw new DirectoryError(409, `That id is a shared ${existing.kind}: it stays one`);
    if (
      existing === undefined &&
      (await this.store.countResources(member.id, input.kind)) >= RESOURCES_PER_MEMBER
    )
      throw new DirectoryError(
        409,
        `You share ${RESOURCES_PER_MEMBER} ${input.kind}s already: unshare some first`,
      );
    const record: ResourceRecord = {
      id,
      orgId: member.orgId,
      kind: input.kind,
      name: input.name,
      ownerId: member.id,
      scope: input.scope,
      data,
      createdAt: existing?.createdAt ?? this.now(),
    };
    await this.store.putResource(record);
    return resourceOut(record, member.name);
  }

  /** A shared thing, or a 404 that does not say whether it exists. */
  async read(member: MemberRecord, id: string): Promise<Resource> {
    const record = await this.store.getResource(id);
    if (record === undefined || !canSee(member, record))
      throw new DirectoryError(404, 'Nothing shared under that id');
    const owner = await this.store.getMember(record.ownerId);
    return resourceOut(record, owner?.name);
  }

  /**
   * What the member may see of one kind, the newest first, each with who shared it (a member
   * since removed is left unnamed). `brief`: without the data, for a list of big things.
   */
  async list(
    member: MemberRecord,
    kind: ResourceKind,
    { brief = false }: { brief?: boolean } = {},
  ): Promise<Resource[]> {
    const names = new Map(
      (await this.store.listMembers(member.orgId)).map((m) => [m.id, m.name] as const),
    );
    return (await this.store.listResources(member.orgId, kind))
      .filter((r) => canSee(member, r))
      .map((r) => resourceOut(r, names.get(r.ownerId), brief));
  }

  async unshare(member: MemberRecord, id: string): Promise<void> {
    const record = await this.store.getResource(id);
    if (record === undefined || !canSee(member, record))
      throw new DirectoryError(404, 'Nothing shared under that id');
    if (record.ownerId !== member.id && !member.admin)
      throw new DirectoryError(403, 'Only who shared it, or an admin, can unshare it');
    await this.store.deleteResource(id);
  }
}

function resourceOut(record: ResourceRecord, ownerName?: string, brief = false): Resource {
  return {
    id: record.id,
    kind: record.kind,
    name: record.name,
    ownerId: record.ownerId,
    ...(ownerName === undefined ? {} : { ownerName }),
    scope: record.scope,
    ...(brief ? {} : { data: JSON.parse(record.data) as unknown }),
    createdAt: new Date(record.createdAt).toISOString(),
  };
}

function colorFor(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  return AVATAR_COLORS[(digest[0] ?? 0) % AVATAR_COLORS.length] ?? AVATAR_COLORS[0];
}
