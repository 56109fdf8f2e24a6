import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * Who an outbox event concerns. One place answers it for delivery and for the delete dialog's "who will be
 * told", so the preview can never promise a different audience than the one that is notified.
 */
export interface Audience {
  /** Everyone in these departments. */
  departments: string[];
  /** Named users: the order's owner, the requester. */
  users: number[];
  /** Everyone holding one of these permissions: the approvers of a request. */
  permissions: string[];
  /** The user who caused the event is not told about their own action. */
  actor: number | null;
}

type Payload = Record<string, unknown>;
const idOf = (v: unknown): number | null => (typeof v === 'string' || typeof v === 'number') && /^[1-9][0-9]*$/.test(String(v)) ? Number(v) : null;
const ids = (...values: unknown[]) => values.map(idOf).filter((v): v is number => v !== null);

/**
 * The departments whose work a change of an order touches: sales always, warehouse when reserved stock moves,
 * finance when a receivable is posted or reversed.
 */
export function departmentsOfOrderChange(effects: { stockMoves: boolean; moneyMoves: boolean }): Array<'sales' | 'warehouse' | 'finance'> {
  return ['sales', ...(effects.stockMoves ? (['warehouse'] as const) : []), ...(effects.moneyMoves ? (['finance'] as const) : [])];
}

const movesMoney = (amount: unknown) => typeof amount === 'string' && /[1-9]/.test(amount);

/** Who one topic concerns, from its payload and the order's owner (as a one-element list, or empty). */
type Route = (payload: Payload, owner: number[]) => Audience;
const audience = (a: Partial<Audience>): Audience => ({ departments: [], users: [], permissions: [], actor: null, ...a });

/**
 * Whom each outbox topic concerns: one entry per topic. A new topic adds its entry here, its name to
 * NOTIFICATION_TOPICS (contracts/notifications.ts) and its title to notifications.text.ts; delivery, the
 * preferences page and the delete dialog's "who will be told" follow from these.
 */
export const ROUTES: Readonly<Record<string, Route>> = {
  'order.deleted': (p, owner) =>
    audience({
      departments: departmentsOfOrderChange({ stockMoves: Array.isArray(p.released) && p.released.length > 0, moneyMoves: movesMoney(p.reversed) }),
      users: owner,
      actor: idOf(p.deletedBy),
    }),
  'order.restored': (p, owner) =>
    audience({ departments: departmentsOfOrderChange({ stockMoves: movesMoney(p.reposted), moneyMoves: movesMoney(p.reposted) }), users: owner, actor: idOf(p.restoredBy) }),
  'order.purged': (p, owner) => audience({ departments: ['sales'], users: owner, actor: idOf(p.purgedBy) }),
  'order.created': (p, owner) => audience({ users: owner, actor: idOf(p.actorId) }),
  'order.confirmed': (p, owner) => audience({ departments: ['warehouse', 'finance'], users: owner, actor: idOf(p.actorId) }),
  'order.shipped': (p, owner) => audience({ departments: ['finance'], users: owner, actor: idOf(p.actorId) }),
  'order.completed': (p, owner) => audience({ users: owner, actor: idOf(p.actorId) }),
  'order.cancelled': (p, owner) => audience({ departments: p.from === 'confirmed' ? ['warehouse', 'finance'] : [], users: owner, actor: idOf(p.actorId) }),
  'restore_request.created': (p) => audience({ permissions: ['restore_requests.approve'], actor: idOf(p.requestedBy) }),
  'restore_request.approved': (p) => audience({ users: ids(p.requestedBy), actor: idOf(p.decidedBy) }),
  'restore_request.rejected': (p) => audience({ users: ids(p.requestedBy), actor: idOf(p.decidedBy) }),
  // Four-eyes purge: every other admin may approve.
  'purge_request.created': (p) => audience({ permissions: ['orders.purge'], actor: idOf(p.requestedBy) }),
  'purge_request.approved': (p) => audience({ users: ids(p.requestedBy), actor: idOf(p.decidedBy) }),
  'purge_request.rejected': (p) => audience({ users: ids(p.requestedBy), actor: idOf(p.decidedBy) }),
  'order.approval_requested': (p) => audience({ permissions: ['orders.approve'], actor: idOf(p.requestedBy) }),
  // The reviewers decide; the candidates' owners and the departments a deletion would touch are told in time to ask for an exclusion.
  'cleanup.review_opened': (p) =>
    audience({
      departments: Array.isArray(p.departments) ? p.departments.map(String) : [],
      users: Array.isArray(p.ownerIds) ? ids(...(p.ownerIds as unknown[])) : [],
      permissions: ['cleanup.review'],
      actor: idOf(p.openedBy),
    }),
  'cleanup.executed': (p) => audience({ departments: ['sales'], users: ids(p.reviewerId), actor: idOf(p.approvedBy) }),
  'data_quality.violations_found': () => audience({ permissions: ['settings.manage'] }),
};

/** The audience of one event; `ownerId` may come from the caller when the payload lacks it. */
export function audienceOf(topic: string, payload: Payload, ownerId: number | null): Audience {
  const owner = ids(payload.ownerId ?? ownerId);
  const route = Object.hasOwn(ROUTES, topic) ? ROUTES[topic] : undefined;
  // A topic without an entry still reaches the departments its publisher named, and the order's owner.
  return route ? route(payload, owner) : audience({ departments: Array.isArray(payload.departments) ? payload.departments.map(String) : [], users: owner });
}

/** Resolves audiences to active user ids, with the lookups shared by every event of a batch. */
export class RecipientResolver {
  private departmentMembers = new Map<string, number[]>();
  private permissionHolders = new Map<string, number[]>();
  private activeUsers: Set<number> | undefined;
  constructor(private readonly db: Kysely<DB>) {}

  private async active(): Promise<Set<number>> {
    this.activeUsers ??= new Set((await this.db.selectFrom('users').select('id').where('disabled', '=', 0).execute()).map((r) => r.id));
    return this.activeUsers;
  }

  async membersOf(department: string): Promise<number[]> {
    let members = this.departmentMembers.get(department);
    if (!members) {
      members = (await this.db.selectFrom('user_departments').select('user_id').where('department', '=', department).execute()).map((r) => r.user_id);
      this.departmentMembers.set(department, members);
    }
    return members;
  }

  async holdersOf(permission: string): Promise<number[]> {
    let holders = this.permissionHolders.get(permission);
    if (!holders) {
      // Grants live as JSON in the few role rows; matching them here keeps custom roles working too.
      const roles = await this.db.selectFrom('roles').select(['id', 'grants']).execute();
      const roleIds = roles.filter((r) => (JSON.parse(r.grants) as string[]).some((g) => g === permission || g === `${permission}:own`)).map((r) => r.id);
      holders = roleIds.length === 0 ? [] : (await this.db.selectFrom('user_roles').select('user_id').distinct().where('role_id', 'in', roleIds).execute()).map((r) => r.user_id);
      this.permissionHolders.set(permission, holders);
    }
    return holders;
  }

  async resolve(audience: Audience): Promise<number[]> {
    const active = await this.active();
    const out = new Set<number>(audience.users);
    for (const d of audience.departments) for (const u of await this.membersOf(d)) out.add(u);
    for (const p of audience.permissions) for (const u of await this.holdersOf(p)) out.add(u);
    if (audience.actor !== null) out.delete(audience.actor);
    return [...out].filter((u) => active.has(u)).sort((a, b) => a - b);
  }
}
