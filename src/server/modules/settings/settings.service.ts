import type { Kysely, Transaction } from 'kysely';
import { SETTINGS_DEFAULTS, Settings, type SettingsPatch } from '../../../contracts/settings.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { countEnabledAdmins } from '../users/users.service.js';

/**
 * Company-wide policies (SPEC §5 "Settings"). Each policy is one row of the `settings` table under `policy.<name>`,
 * its value JSON; a policy never written reads as its default, so adding one needs no migration.
 */
const KEY_PREFIX = 'policy.';
/** The single retention figure of before retention was set per status; PUT /api/settings/retention still writes it. */
export const RETENTION_KEY = 'retention_days';
type Name = keyof Settings;
const NAMES = Object.keys(Settings.shape) as Name[];

/** Every policy, stored or default. A stored value that no longer validates reads as its default. */
export async function getSettings(db: Kysely<DB>): Promise<Settings> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where((eb) => eb.or([eb('key', 'in', NAMES.map((name) => KEY_PREFIX + name)), eb('key', '=', RETENTION_KEY)]))
    .execute();
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  const defaults: Settings = {
    ...SETTINGS_DEFAULTS,
    retention: defaultRetention(stored),
    purgeNeedsSecondAdmin: stored.has(KEY_PREFIX + 'purgeNeedsSecondAdmin') ? false : (await countEnabledAdmins(db)) >= 2,
  };
  const settings = { ...defaults } as Record<Name, unknown>;
  for (const name of NAMES) {
    const raw = stored.get(KEY_PREFIX + name);
    if (raw === undefined) continue;
    const parsed = Settings.shape[name].safeParse(JSON.parse(raw));
    if (parsed.success) settings[name] = parsed.data;
  }
  return settings as Settings;
}

/**
 * The retention policy alone, as getSettings reads it: for a deletion, which needs nothing else (and not the count
 * of enabled admins that getSettings makes for another policy's default).
 */
export async function getRetention(db: Kysely<DB>): Promise<Settings['retention']> {
  const rows = await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'in', [KEY_PREFIX + 'retention', RETENTION_KEY])
    .execute();
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  const raw = stored.get(KEY_PREFIX + 'retention');
  if (raw !== undefined) {
    const parsed = Settings.shape.retention.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  }
  return defaultRetention(stored);
}

/** Retention when no per-status policy is stored: before retention was set per status, one figure applied to every deletion. */
function defaultRetention(stored: Map<string, string>): Settings['retention'] {
  const legacyDays = Number(stored.get(RETENTION_KEY));
  return Number.isInteger(legacyDays) && legacyDays > 0 ? { draft: legacyDays, cancelled: legacyDays, confirmed: legacyDays } : SETTINGS_DEFAULTS.retention;
}

export async function getSetting<N extends Name>(db: Kysely<DB>, name: N): Promise<Settings[N]> {
  return (await getSettings(db))[name];
}

/** Writes the named policies in one transaction with one audit entry holding each change's before and after. */
export async function updateSettings(ctx: Ctx, actor: Actor, patch: SettingsPatch): Promise<Settings> {
  requirePermission(actor, 'settings.manage');
  return ctx.kysely.transaction().execute(async (trx) => {
    const before = await getSettings(trx);
    const after: Settings = { ...before, ...patch, retention: { ...before.retention, ...patch.retention } };
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    for (const name of NAMES) {
      if (patch[name] === undefined || JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
      diff[name] = { from: before[name], to: after[name] };
      await writePolicy(trx, name, after[name]);
    }
    if (Object.keys(diff).length > 0) {
      await recordAudit(trx, ctx.dialect, actor, { action: 'settings.update', entityType: 'setting', entityId: 'policies', entityLabel: 'Settings', diff });
    }
    return after;
  });
}

export async function writePolicy<N extends Name>(trx: Transaction<DB>, name: N, value: Settings[N]): Promise<void> {
  const now = nowIso();
  const json = JSON.stringify(value);
  await trx
    .insertInto('settings')
    .values({ key: KEY_PREFIX + name, value: json, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now }))
    .execute();
}
