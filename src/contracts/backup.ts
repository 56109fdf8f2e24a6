import { z } from 'zod';

/** A backup's name is its folder under the backup directory: `orderly-20260314-093005-123-ab12`. */
export const BACKUP_NAME_PATTERN = /^orderly-\d{8}-\d{6}-\d{3}-[a-z0-9]{4}$/;
export const BackupName = z.string().regex(BACKUP_NAME_PATTERN, 'must be the name of a backup, such as orderly-20260314-093005-123-ab12');
export const BackupParams = z.object({ name: BackupName });

export const BACKUP_FORMAT = 'orderly-backup';
/** 2: secrets left out unless asked for, optional encryption; version 1 manifests still read. */
export const BACKUP_FORMAT_VERSION = 2;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const BackupColumn = z.object({
  name: z.string().min(1),
  /** Portable storage class: what a value of the column may be in the JSON lines. */
  type: z.enum(['integer', 'real', 'text']),
});

export const BackupTable = z.object({
  name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
  /** `<table>.jsonl.gz`: one JSON object per row, keys in column order, rows in primary-key order. */
  file: z.string().regex(/^[a-z_][a-z0-9_]*\.jsonl\.gz$/),
  columns: z.array(BackupColumn).min(1),
  primaryKey: z.array(z.string()).min(1),
  rows: z.number().int().min(0),
  /** sha256 of the uncompressed JSON lines: the same data gives the same hash on either database. */
  sha256: Sha256,
  /** sha256 of the compressed file as stored. */
  fileSha256: Sha256,
  bytes: z.number().int().min(0),
});
export type BackupTable = z.infer<typeof BackupTable>;

/** `manifest.json`; `sha256` covers every other member, so any edit of the manifest is detected. */
export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.union([z.literal(1), z.literal(BACKUP_FORMAT_VERSION)]),
  name: BackupName,
  createdAt: z.string(),
  sourceDialect: z.enum(['sqlite', 'postgres']),
  /** Applied schema migrations of the source; a restore needs the same list in the target. */
  migrations: z.array(z.string()),
  /** The newest audit entry inside the snapshot: changes after it are not in this backup. */
  auditHead: z.object({ id: z.number().int(), hash: z.string() }).nullable(),
  tables: z.array(BackupTable),
  /**
   * `redacted` (the default): no sessions, and the columns in `redactedColumns` (password and API-token hashes,
   * secrets) hold a placeholder. `included`: a full-fidelity backup the operator asked for, hashes and all
   * (sessions are never backed up). Version 1 backups included everything.
   */
  secrets: z.enum(['redacted', 'included']).default('included'),
  redactedColumns: z.array(z.string()).default([]),
  /** AES-256-GCM per table file with ORDERLY_BACKUP_KEY; `keyId` names the key without revealing it. */
  encryption: z.object({ algorithm: z.literal('aes-256-gcm'), keyId: z.string() }).nullable().default(null),
  sha256: Sha256,
});
export type BackupManifest = z.infer<typeof BackupManifest>;

export const BackupVerification = z.object({
  name: z.string(),
  ok: z.boolean(),
  checkedAt: z.string(),
  /** Each problem in a sentence; empty when ok. */
  problems: z.array(z.string()),
  /** Rows per table as the manifest lists them and as found after the trial restore. */
  tables: z.array(z.object({ name: z.string(), rows: z.number(), restoredRows: z.number().nullable() })),
  auditChain: z.object({ ok: z.boolean(), checked: z.number(), firstBrokenId: z.string().optional() }).nullable(),
});
export type BackupVerification = z.infer<typeof BackupVerification>;

export const BackupSummary = z.object({
  name: z.string(),
  createdAt: z.string(),
  sourceDialect: z.enum(['sqlite', 'postgres']),
  /** Bytes on disk (compressed files and manifest). */
  sizeBytes: z.number(),
  tables: z.number(),
  rows: z.number(),
  /** Row counts per table, as the manifest lists them. */
  rowsByTable: z.record(z.string(), z.number()),
  /** The last verification, or null when never verified. */
  verification: z.object({ ok: z.boolean(), checkedAt: z.string(), problems: z.array(z.string()) }).nullable(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

export const BackupList = z.object({
  directory: z.string(),
  items: z.array(BackupSummary),
  /** Folders in the backup directory that are not readable backups (damaged manifest, unfinished copy). */
  unreadable: z.array(z.object({ name: z.string(), problem: z.string() })),
});
export type BackupList = z.infer<typeof BackupList>;
