import { z } from 'zod';
import { DateFilter, Id, emptyToUndefined } from './common.js';

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

/**
 * `action` takes one action or several separated by commas; an item ending in `.*` matches a family
 * (`order.*` is every order action).
 */
const ActionList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, 'must be an action such as order.update or order.*')).max(20));

/** What the search, the export and the page's filter bar agree on. */
export const AuditFilter = z.object({
  entityType: optional(z.string().trim().regex(/^[a-z_]+$/, 'must be an entity type such as order').max(50)),
  entityId: optional(z.string().trim().min(1).max(100)),
  action: optional(ActionList),
  actorId: optional(Id),
  from: optional(DateFilter),
  to: optional(DateFilter),
  /** Free text over entity label, actor name, action and reason; case-insensitive. */
  q: optional(z.string().trim().min(1).max(200)),
});
export type AuditFilter = z.infer<typeof AuditFilter>;

export const AuditQuery = AuditFilter.extend({
  cursor: optional(z.string().max(200)),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AUDIT_ACTOR_TYPES = ['user', 'token', 'system'] as const;

export const AuditActorView = z.object({
  type: z.enum(AUDIT_ACTOR_TYPES),
  id: z.string().nullable(),
  /** The name at the time of the entry, kept even if the user is later renamed. */
  name: z.string().nullable(),
  /** The person's display name today, for showing; the recorded `name` stays the evidence. */
  displayName: z.string().nullable().optional(),
});
export type AuditActorView = z.infer<typeof AuditActorView>;

export const AuditEntryView = z.object({
  id: z.string(),
  at: z.string(),
  actor: AuditActorView,
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  entityLabel: z.string().nullable(),
  /** Field-level changes as `{field:{from,to}}`, or the created record's fields; null when nothing changed. */
  diff: z.unknown().nullable(),
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntryView = z.infer<typeof AuditEntryView>;

export const AuditList = z.object({ items: z.array(AuditEntryView), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof AuditList>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  /** Entries whose link and hash were checked and found intact. */
  checked: z.number(),
  /** The first entry whose content or link to its predecessor does not match. */
  firstBrokenId: z.string().optional(),
  /** The last intact entry: note it somewhere else to detect a later truncation of the log's tail. */
  lastId: z.string().optional(),
  lastHash: z.string().optional(),
  /** Anchors the log contradicts (a signed checkpoint, a backup manifest), each in a sentence; any makes `ok` false. */
  problems: z.array(z.string()),
  /** Things worth knowing that do not make the log wrong (no signing key, checkpoints signed by another key). */
  warnings: z.array(z.string()),
  /** True when a checkpoint signed with ORDERLY_AUDIT_SIGNING_KEY vouches for the log up to `anchoredId`. */
  anchored: z.boolean(),
  anchoredId: z.string().optional(),
  anchoredAt: z.string().optional(),
  /** Entries after the newest signed checkpoint: intact as a chain, but not yet vouched for by a signature. */
  unanchoredEntries: z.number(),
  checkpointsChecked: z.number(),
  backupsChecked: z.number(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

/** An order's history as its readers see it: who did what, when and why (no IPs or hashes). */
export const TimelineEntryView = AuditEntryView.pick({ id: true, at: true, actor: true, action: true, diff: true, reason: true });
export type TimelineEntryView = z.infer<typeof TimelineEntryView>;

export const TimelineQuery = z.object({
  cursor: optional(z.string().max(200)),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export type TimelineQuery = z.infer<typeof TimelineQuery>;

export const OrderTimeline = z.object({ items: z.array(TimelineEntryView), nextCursor: z.string().nullable() });
export type OrderTimeline = z.infer<typeof OrderTimeline>;

/** The columns of the CSV export, in order: the stored values, with prevHash and hash to compare against the chain. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'actorType',
  'actorId',
  'actorName',
  'action',
  'entityType',
  'entityId',
  'entityLabel',
  'diff',
  'reason',
  'ip',
  'userAgent',
  'requestId',
  'prevHash',
  'hash',
] as const;

export const AuditCheckpointView = z.object({
  id: z.string(),
  entryId: z.string(),
  headHash: z.string(),
  at: z.string(),
  /** base64 Ed25519 signature over `orderly-audit-checkpoint/1\n<entryId>\n<headHash>\n<at>\n`; null when unsigned. */
  signature: z.string().nullable(),
  keyId: z.string().nullable(),
});
export type AuditCheckpointView = z.infer<typeof AuditCheckpointView>;

/** What an auditor takes away to check the log later without trusting the server's database. */
export const AuditAnchors = z.object({
  algorithm: z.literal('ed25519'),
  /** SPKI PEM of the checkpoint signing key; null when ORDERLY_AUDIT_SIGNING_KEY is not set. */
  publicKey: z.string().nullable(),
  keyId: z.string().nullable(),
  messageFormat: z.string(),
  checkpoints: z.array(AuditCheckpointView),
});
export type AuditAnchors = z.infer<typeof AuditAnchors>;

/** The 200 of `GET /api/audit/export` for OpenAPI (streamed, so never run through a serialiser). */
export const AuditCsvFile = {
  description: 'The matching audit entries as CSV (streamed)',
  content: { 'text/csv': { schema: z.string().describe(`CSV with the columns ${AUDIT_CSV_COLUMNS.join(', ')}`) } },
};
