import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TandemError, type Role } from '../../protocol/index.js';

export interface Invite {
  inviteId: string;
  sessionId: string;
  role: Role;
  createdAt: number;
  /** Epoch ms after which the link no longer works; undefined: until the session ends. */
  expiresAt: number | undefined;
  /** The owner admits each guest who uses this link. */
  lobby: boolean;
  /** How many people joined with it. */
  uses: number;
}

export interface CreatedInvite {
  invite: Invite;
  /** ≥ 128 bits, base64url. Only the link holds it; the agent keeps a hash. */
  secret: string;
}

interface Stored {
  invite: Invite;
  secretHash: Buffer;
}

function hash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Invite links for shared sessions. Secrets are 192 random bits, compared in constant time,
 * stored only as hashes. Ending a session revokes all of its invites.
 */
export class InviteStore {
  private readonly invites = new Map<string, Stored>();

  constructor(private readonly now: () => number = Date.now) {}

  create(
    sessionId: string,
    role: Role,
    options: { ttlMs?: number; lobby?: boolean } = {},
  ): CreatedInvite {
    const secret = randomBytes(24).toString('base64url');
    const invite: Invite = {
      inviteId: randomBytes(9).toString('base64url'),
      sessionId,
      role,
      createdAt: this.now(),
      expiresAt: options.ttlMs === undefined ? undefined : this.now() + options.ttlMs,
      lobby: options.lobby ?? false,
      uses: 0,
    };
    this.invites.set(invite.inviteId, { invite, secretHash: hash(secret) });
    return { invite, secret };
  }

  list(sessionId: string): Invite[] {
    return [...this.invites.values()]
      .map((s) => s.invite)
      .filter((i) => i.sessionId === sessionId && !this.expired(i));
  }

  /** Live (unexpired) invites, of every session. */
  get size(): number {
    let live = 0;
    for (const stored of this.invites.values()) if (!this.expired(stored.invite)) live += 1;
    return live;
  }

  get(inviteId: string): Invite | undefined {
    return this.invites.get(inviteId)?.invite;
  }

  revoke(inviteId: string): Invite {
    const stored = this.invites.get(inviteId);
    if (stored === undefined)
      throw new TandemError('not_found', `No invite ${inviteId} — it was already revoked`);
    this.invites.delete(inviteId);
    return stored.invite;
  }

  revokeSession(sessionId: string): number {
    let count = 0;
    for (const [id, stored] of this.invites) {
      if (stored.invite.sessionId === sessionId) {
        this.invites.delete(id);
        count += 1;
      }
    }
    return count;
  }

  /** The invite this secret opens, or `unauthorized` (wrong, expired, revoked: same answer). */
  redeem(inviteId: string, secret: string): Invite {
    const stored = this.invites.get(inviteId);
    const given = hash(secret);
    const valid =
      stored !== undefined &&
      timingSafeEqual(stored.secretHash, given) &&
      !this.expired(stored.invite);
    if (!valid || stored === undefined) {
      throw new TandemError(
        'unauthorized',
        'This invite link is not valid: it was revoked, it expired, or its session ended — ask the owner for a new link',
      );
    }
    stored.invite.uses += 1;
    return stored.invite;
  }

  private expired(invite: Invite): boolean {
    return invite.expiresAt !== undefined && this.now() >= invite.expiresAt;
  }
}
