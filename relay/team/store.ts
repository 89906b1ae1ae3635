import type { ResourceKind, Scope } from '../../protocol/team.js';

/**
 * What the team relay keeps, behind the narrowest interface the relay needs, so SQLite (the
 * embedded default) can be swapped for another engine without touching the rest. Secrets are
 * never stored: enrolment and member tokens arrive here as SHA-256 hashes.
 */
export interface RelayStore {
  createOrg(name: string): Promise<OrgRecord>;
  findOrg(name: string): Promise<OrgRecord | undefined>;
  listOrgs(): Promise<OrgRecord[]>;

  addTeam(orgId: string, name: string): Promise<TeamRecord>;
  listTeams(orgId: string): Promise<TeamRecord[]>;

  addMember(member: NewMember): Promise<MemberRecord>;
  getMember(id: string): Promise<MemberRecord | undefined>;
  findMember(orgId: string, name: string): Promise<MemberRecord | undefined>;
  /** Members not removed, with their team ids. */
  listMembers(orgId: string): Promise<MemberRecord[]>;
  /** Marks the member removed and revokes every token and enrolment link they hold. */
  removeMember(id: string, at: number): Promise<void>;

  addEnrolment(tokenHash: string, memberId: string, expiresAt: number): Promise<void>;
  /** Uses an enrolment link once: the member id if it was valid, unused and not expired. */
  takeEnrolment(tokenHash: string, now: number): Promise<string | undefined>;

  addToken(tokenHash: string, memberId: string, at: number): Promise<void>;
  /** The member behind a live token: not revoked, member not removed. */
  memberForToken(tokenHash: string): Promise<MemberRecord | undefined>;
  revokeToken(tokenHash: string, at: number): Promise<void>;

  putResource(resource: ResourceRecord): Promise<void>;
  getResource(id: string): Promise<ResourceRecord | undefined>;
  listResources(orgId: string, kind: ResourceKind): Promise<ResourceRecord[]>;
  deleteResource(id: string): Promise<void>;

  /**
   * A number that changes whenever anyone (another process included: the admin commands write
   * to the same store) commits a change. The relay polls it to cut removed members at once.
   */
  revision(): Promise<number>;
  /** A consistent copy of everything to `file` (the data folder's backup). */
  backup(file: string): Promise<void>;
  close(): Promise<void>;
}

export interface OrgRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface TeamRecord {
  id: string;
  orgId: string;
  name: string;
}

export interface NewMember {
  orgId: string;
  name: string;
  color: string;
  admin: boolean;
  teamIds: string[];
  at: number;
}

export interface MemberRecord {
  id: string;
  orgId: string;
  name: string;
  color: string;
  admin: boolean;
  teamIds: string[];
  createdAt: number;
  /** When the member first enrolled, if they have. */
  enrolledAt?: number;
}

export interface ResourceRecord {
  id: string;
  orgId: string;
  kind: ResourceKind;
  name: string;
  ownerId: string;
  scope: Scope;
  /** JSON text, checked for size at ingress. */
  data: string;
  createdAt: number;
}
