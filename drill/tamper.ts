/**
 * Audit tampering: each scenario changes the audit log the way someone with write access to the database
 * could (edit, delete, reorder, truncate, re-chain, forge), asks verifyAuditForDrill whether it notices,
 * and rolls the change back, so every scenario starts from the same intact log.
 *
 * A hash chain alone cannot notice what leaves a shorter or fully recomputed chain behind: the truncated
 * tail, a log emptied entirely, a chain recomputed after an edit or deletion. The drill signs a checkpoint of
 * the head first, and verification checks the chain against it, so those are detected too (needsCheckpoints).
 * What stays undetected is what README "What the audit chain proves" names: a correctly chained forged entry
 * appended after the newest signed checkpoint (the `exception` rows).
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { Ctx } from '../src/server/db/context.js';
import type { AuditLogTable, DB } from '../src/server/db/schema.js';
import { AUDIT_HASH_VERSION, hashAuditRow } from '../src/server/platform/audit.js';
import { CHECKPOINTS_VERIFIED, checkpointForDrill, verifyAuditForDrill } from './audit-verification.js';

type Row = Selectable<AuditLogTable>;
type Trx = Transaction<DB>;

export type TamperKind = 'edit' | 'delete' | 'reorder' | 'truncate' | 're-chain' | 'forge';

export interface TamperScenario {
  name: string;
  kind: TamperKind;
  /** Only signed checkpoints can catch it: a documented exception of the hash chain alone. */
  needsCheckpoints?: boolean;
  /** Not detected even with checkpoints, as README "What the audit chain proves" says: why. */
  exception?: string;
  tamper(trx: Trx, rows: Row[]): Promise<void>;
}

export interface TamperOutcome {
  name: string;
  kind: TamperKind;
  expected: 'detected' | 'not detected (documented exception)';
  detected: boolean;
  /** What the verification said, or the database error that refused the change. */
  how: string;
  asExpected: boolean;
  needsCheckpoints: boolean;
}

const MIN_ENTRIES = 20;
const randomHash = () => randomBytes(32).toString('hex');
const middle = (rows: Row[]) => rows[Math.floor(rows.length / 2)];

async function edit(trx: Trx, row: Row, change: Partial<Row>): Promise<void> {
  await trx.updateTable('audit_log').set(change).where('id', '=', row.id).execute();
}

/** Recomputes prev_hash and hash of every entry from `from` on, as a forger covering their tracks would. */
async function rechainFrom(trx: Trx, from: number): Promise<void> {
  const rows = await trx.selectFrom('audit_log').selectAll().orderBy('id').execute();
  let prev = rows.filter((r) => r.id < from).at(-1)?.hash ?? '0'.repeat(64);
  for (const row of rows.filter((r) => r.id >= from)) {
    const hash = hashAuditRow({ ...row, prev_hash: prev });
    await trx.updateTable('audit_log').set({ prev_hash: prev, hash }).where('id', '=', row.id).execute();
    prev = hash;
  }
}

/** The content of an entry under another id and place (used to swap or copy entries). */
const contentOf = ({ id: _id, seq: _seq, ...rest }: Row) => rest;

/** Each entry's content, links and hash under the other's id; both keep their place. */
async function swap(trx: Trx, a: Row, b: Row): Promise<void> {
  await edit(trx, a, contentOf(b));
  await edit(trx, b, contentOf(a));
}

/** At the next free place, as a forger would append it (a place already taken is refused by the unique index). */
async function append(trx: Trx, row: Omit<Row, 'id' | 'seq'>): Promise<void> {
  const { seq } = await trx.selectFrom('audit_log').select((eb) => eb.fn.coalesce(eb.fn.max('seq'), eb.lit(0)).as('seq')).executeTakeFirstOrThrow();
  await trx.insertInto('audit_log').values({ ...row, seq: Number(seq) + 1 }).execute();
}

/** A plausible entry, as a forger would write it: someone deleted order 1 for a harmless reason. */
function forgedEntry(prevHash: string, last: Row): Omit<Row, 'id' | 'seq'> {
  const row = {
    prev_hash: prevHash,
    at: new Date(Date.parse(last.at) + 1000).toISOString(),
    actor_type: 'user',
    actor_id: last.actor_id,
    actor_name: last.actor_name,
    action: 'order.delete',
    entity_type: 'order',
    entity_id: '1',
    entity_label: 'SO-2026-000001',
    diff: null,
    reason: 'duplicate',
    ip: last.ip,
    user_agent: last.user_agent,
    request_id: last.request_id,
    hash_version: AUDIT_HASH_VERSION,
  };
  return { ...row, hash: hashAuditRow(row) };
}

export const TAMPER_SCENARIOS: TamperScenario[] = [
  { name: 'edit the action of a middle entry', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { action: 'order.view' }) },
  { name: 'edit the actor name', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { actor_name: 'someone-else' }) },
  { name: 'edit the actor id', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { actor_id: (middle(r).actor_id ?? 0) + 1 }) },
  { name: 'move the time by 1 ms', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { at: new Date(Date.parse(middle(r).at) + 1).toISOString() }) },
  { name: 'edit the reason', kind: 'edit', tamper: (t, r) => edit(t, r[r.length - 3], { reason: 'edited reason' }) },
  { name: 'edit a value in the diff', kind: 'edit', tamper: (t, r) => edit(t, r.find((x) => x.diff) ?? middle(r), { diff: '{"edited":true}' }) },
  { name: 'edit the entity id', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { entity_id: '999999' }) },
  { name: 'homoglyph in the entity label (Cyrillic а)', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { entity_label: `${middle(r).entity_label ?? ''}а` }) },
  { name: 'edit the client address', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { ip: '203.0.113.9' }) },
  { name: 'edit the user agent', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { user_agent: 'curl/8.0' }) },
  { name: 'set a column to NULL (request id)', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { request_id: middle(r).request_id === null ? 'req-forged' : null }) },
  { name: 'trailing space in the action', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { action: `${middle(r).action} ` }) },
  {
    name: 'edit an entry and recompute its own hash',
    kind: 'edit',
    tamper: (t, r) => {
      const row = { ...middle(r), reason: 'covered up' };
      return edit(t, row, { reason: row.reason, hash: hashAuditRow(row) });
    },
  },
  { name: 'replace a hash with a random one', kind: 'edit', tamper: (t, r) => edit(t, middle(r), { hash: randomHash() }) },
  { name: 'change the first entry’s genesis link', kind: 'edit', tamper: (t, r) => edit(t, r[0], { prev_hash: randomHash() }) },
  { name: 'edit the last entry, hash left as is', kind: 'edit', tamper: (t, r) => edit(t, r[r.length - 1], { action: 'auth.logout' }) },
  { name: 'delete a middle entry', kind: 'delete', tamper: (t, r) => t.deleteFrom('audit_log').where('id', '=', middle(r).id).execute().then(() => undefined) },
  { name: 'delete the first entry', kind: 'delete', tamper: (t, r) => t.deleteFrom('audit_log').where('id', '=', r[0].id).execute().then(() => undefined) },
  {
    name: 'delete five entries in the middle',
    kind: 'delete',
    tamper: async (t, r) => {
      const from = Math.floor(r.length / 3);
      await t.deleteFrom('audit_log').where('id', 'in', r.slice(from, from + 5).map((x) => x.id)).execute();
    },
  },
  { name: 'swap two adjacent entries', kind: 'reorder', tamper: (t, r) => swap(t, middle(r), r[r.indexOf(middle(r)) + 1]) },
  { name: 'swap the second and the second-to-last entries', kind: 'reorder', tamper: (t, r) => swap(t, r[1], r[r.length - 2]) },
  { name: 'append an entry with a wrong link', kind: 'forge', tamper: (t, r) => append(t, forgedEntry(randomHash(), r[r.length - 1])) },
  {
    name: 'append an entry whose hash does not match its content',
    kind: 'forge',
    tamper: (t, r) => append(t, { ...forgedEntry(r[r.length - 1].hash, r[r.length - 1]), hash: randomHash() }),
  },
  {
    name: 'replace a middle entry with a forged one linked to its predecessor',
    kind: 'forge',
    tamper: async (t, r) => {
      const victim = middle(r);
      const forged = forgedEntry(victim.prev_hash, r[r.length - 1]);
      await edit(t, victim, { ...forged, prev_hash: victim.prev_hash });
    },
  },
  {
    name: 'replay a copy of an entry at the end',
    kind: 'forge',
    tamper: (t, r) => append(t, contentOf(middle(r))),
  },
  {
    name: 'truncate the last three entries',
    kind: 'truncate',
    needsCheckpoints: true,
    tamper: async (t, r) => {
      await t.deleteFrom('audit_log').where('id', 'in', r.slice(-3).map((x) => x.id)).execute();
    },
  },
  { name: 'empty the whole log', kind: 'truncate', needsCheckpoints: true, tamper: (t) => t.deleteFrom('audit_log').execute().then(() => undefined) },
  {
    name: 'edit a middle entry and re-chain everything after it',
    kind: 're-chain',
    needsCheckpoints: true,
    tamper: async (t, r) => {
      await edit(t, middle(r), { reason: 'rewritten history' });
      await rechainFrom(t, middle(r).id);
    },
  },
  {
    name: 'delete a middle entry and re-chain everything after it',
    kind: 're-chain',
    needsCheckpoints: true,
    tamper: async (t, r) => {
      await t.deleteFrom('audit_log').where('id', '=', middle(r).id).execute();
      await rechainFrom(t, middle(r).id);
    },
  },
  {
    name: 'edit the last entry and recompute its hash',
    kind: 're-chain',
    needsCheckpoints: true,
    tamper: async (t, r) => {
      await edit(t, r[r.length - 1], { actor_name: 'someone-else' });
      await rechainFrom(t, r[r.length - 1].id);
    },
  },
  {
    name: 'remove the signed head and append a forged entry linked in its place',
    kind: 'forge',
    needsCheckpoints: true,
    tamper: async (t, r) => {
      await t.deleteFrom('audit_log').where('id', '=', r[r.length - 1].id).execute();
      await append(t, forgedEntry(r[r.length - 2].hash, r[r.length - 1]));
    },
  },
  {
    name: 'append a forged entry with a correct link and hash after the newest signed checkpoint',
    kind: 'forge',
    needsCheckpoints: true,
    exception: 'entries after the newest signed checkpoint are only as good as the chain',
    tamper: (t, r) => append(t, forgedEntry(r[r.length - 1].hash, r[r.length - 1])),
  },
];

class RollBack extends Error {}

/** Runs every scenario in a transaction of its own that is always rolled back. The log must be intact before. */
export async function runTamperDrill(ctx: Ctx, signingKey: KeyObject | null): Promise<TamperOutcome[]> {
  const db = ctx.kysely;
  // The head is signed before any tampering, as the checkpoint job or a backup would have done.
  await checkpointForDrill(ctx, signingKey);
  const before = await verifyAuditForDrill(db, signingKey);
  if (!before.ok) throw new Error(`the audit log is not intact before tampering: ${before.detail}`);
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  if (rows.length < MIN_ENTRIES) throw new Error(`the tampering drill needs at least ${MIN_ENTRIES} audit entries, found ${rows.length}`);
  const outcomes: TamperOutcome[] = [];
  for (const scenario of TAMPER_SCENARIOS) {
    let detected = false;
    let how = '';
    try {
      await db.transaction().execute(async (trx) => {
        await scenario.tamper(trx, rows);
        const verdict = await verifyAuditForDrill(trx, signingKey);
        detected = !verdict.ok;
        how = verdict.detail;
        throw new RollBack();
      });
    } catch (error) {
      if (!(error instanceof RollBack)) {
        // The database itself refused the change (the unique index on prev_hash refuses a replayed link).
        detected = true;
        how = `refused by the database: ${(error as Error).message.split('\n')[0].slice(0, 80)}`;
      }
    }
    const needsCheckpoints = scenario.needsCheckpoints === true;
    const expectDetected = scenario.exception === undefined && (!needsCheckpoints || CHECKPOINTS_VERIFIED);
    outcomes.push({
      name: scenario.name,
      kind: scenario.kind,
      expected: expectDetected ? 'detected' : 'not detected (documented exception)',
      detected,
      how,
      asExpected: detected === expectDetected,
      needsCheckpoints,
    });
  }
  const after = await verifyAuditForDrill(db, signingKey);
  if (!after.ok || after.checked !== rows.length) throw new Error(`a tampering scenario was not rolled back: ${after.detail}`);
  return outcomes;
}
