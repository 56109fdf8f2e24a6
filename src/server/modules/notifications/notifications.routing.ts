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

/** The audience of one event; `ownerId` may come from the caller when the payload lacks it. */
export function audienceOf(topic: string, payload: Payload, ownerId: number | null): Audience {
  const owner = ids(payload.ownerId ?? ownerId);
  switch (topic) {
    case 'order.deleted':
      return {
        departments: departmentsOfOrderChange({ stockMoves: Array.isArray(payload.released) && payload.released.length > 0, moneyMoves: movesMoney(payload.reversed) }),
        users: owner,
        permissions: [],
        actor: idOf(payload.deletedBy),
      };
    case 'order.restored':
      return {
        departments: departmentsOfOrderChange({ stockMoves: movesMoney(payload.reposted), moneyMoves: movesMoney(payload.reposted) }),
        users: owner,
        permissions: [],
        actor: idOf(payload.restoredBy),
      };
    case 'order.purged':
      return { departments: ['sales'], users: owner, permissions: [], actor: idOf(payload.purgedBy) };
    case 'order.confirmed':
      return { departments: ['warehouse', 'finance'], users: owner, permissions: [], actor: idOf(payload.actorId) };
    case 'order.shipped':
      return { departments: ['finance'], users: owner, permissions: [], actor: idOf(payload.actorId) };
    case 'order.cancelled':
      return { departments: payload.from === 'confirmed' ? ['warehouse', 'finance'] : [], users: owner, permissions: [], actor: idOf(payload.actorId) };
    case 'order.created':
    case 'order.completed':
      return { departments: [], users: owner, permissions: [], actor: idOf(payload.actorId) };
    case 'restore_request.created':
      return { departments: [], users: [], permissions: ['restore_requests.approve'], actor: idOf(payload.requestedBy) };
    case 'restore_request.approved':
    case 'restore_request.rejected':
      return { departments: [], users: ids(payload.requestedBy), permissions: [], actor: idOf(payload.decidedBy) };
    case 'purge_request.created':
      // Four-eyes purge: every other admin may approve.
      return { departments: [], users: [], permissions: ['orders.purge'], actor: idOf(payload.requestedBy) };
    case 'purge_request.approved':
    case 'purge_request.rejected':
      return { departments: [], users: ids(payload.requestedBy), permissions: [], actor: idOf(payload.decidedBy) };
    case 'order.approval_requested':
      return { departments: [], users: [], permissions: ['orders.approve'], actor: idOf(payload.requestedBy) };
    case 'cleanup.review_opened':
      return { departments: [], users: [], permissions: ['cleanup.review'], actor: null };
    case 'cleanup.executed':
      return { departments: ['sales'], users: ids(payload.reviewerId), permissions: [], actor: idOf(payload.approvedBy) };
    case 'data_quality.violations_found':
      return { departments: [], users: [], permissions: ['settings.manage'], actor: null };
    default:
      // A topic without a rule here still reaches the departments its publisher named.
      return { departments: Array.isArray(payload.departments) ? payload.departments.map(String) : [], users: owner, permissions: [], actor: null };
  }
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
