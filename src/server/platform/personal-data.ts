import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { nowIso } from './clock.js';

/*
 * Crypto-shredding of customers' personal data in the audit log (issue 14). An audit entry cannot be edited
 * without breaking the hash chain, so a personal value never enters it in clear: it is sealed with its
 * customer's data key (AES-256-GCM) and the chain hashes the ciphertext. Erasing the customer destroys the
 * key; the entry still verifies but its personal values can no longer be read.
 */

/** A customer's personal value (name, phone, e-mail, note) headed for the audit log; sealed when written. */
export class Personal {
  constructor(
    readonly customerId: number,
    readonly value: string | null,
  ) {}
}

/** Marks a value as personal data of the customer: recordAudit stores it sealed with that customer's key. */
export const personal = (customerId: number, value: string | null | undefined): Personal => new Personal(customerId, value ?? null);

/** `sealed:v1:c<customer id>:<base64 of iv | ciphertext | tag>` — ASCII, so audit text canonicalisation leaves it be. */
export const SEALED_PREFIX = 'sealed:v1:';
const SEALED = /^sealed:v1:c(\d+):([A-Za-z0-9+/]+=*)$/;
const SEALED_ANYWHERE = /sealed:v1:c(\d+):/g;
const SEALED_IN_JSON = /sealed:v1:c(\d+):([A-Za-z0-9+/]+=*)/g;

/** What an erased value reads as: the entry keeps its shape, the person is gone. */
export const ERASED_VALUE = '[erased]';
export const erasedCustomerLabel = (customerId: number | string) => `Erased customer #${customerId}`;

/** Binds a ciphertext to its customer, so it cannot be passed off as another customer's. */
const aadOf = (customerId: number) => Buffer.from(`orderly-personal/1:${customerId}`, 'utf8');

function seal(customerId: number, key: Buffer, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadOf(customerId));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}c${customerId}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
}

function open(customerId: number, key: Buffer, blob: string): string | null {
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(aadOf(customerId));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

function collect(value: unknown, into: Set<number>): void {
  if (value instanceof Personal) into.add(value.customerId);
  else if (Array.isArray(value)) for (const v of value) collect(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collect(v, into);
}

function replacePersonal(value: unknown, sealOne: (p: Personal) => string | null): unknown {
  if (value instanceof Personal) return sealOne(value);
  if (Array.isArray(value)) return value.map((v) => replacePersonal(v, sealOne));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacePersonal(v, sealOne)]));
  return value;
}

/**
 * The live data keys of these customers, created for those that have none yet. An erased customer has a row
 * without a key and gets none again: whatever would be sealed for them is written as ERASED_VALUE.
 */
async function dataKeys(trx: Transaction<DB>, customerIds: number[]): Promise<Map<number, Buffer | null>> {
  const keys = new Map<number, Buffer | null>();
  if (customerIds.length === 0) return keys;
  const read = async () => {
    const rows = await trx.selectFrom('customer_keys').select(['customer_id', 'data_key']).where('customer_id', 'in', customerIds).execute();
    for (const r of rows) keys.set(Number(r.customer_id), r.data_key === null ? null : Buffer.from(r.data_key, 'base64'));
  };
  await read();
  const missing = customerIds.filter((id) => !keys.has(id));
  if (missing.length > 0) {
    const now = nowIso();
    await trx
      .insertInto('customer_keys')
      .values(missing.map((id) => ({ customer_id: id, data_key: randomBytes(32).toString('base64'), created_at: now, erased_at: null, erased_by: null })))
      .onConflict((oc) => oc.column('customer_id').doNothing())
      .execute();
    await read();
  }
  return keys;
}

/**
 * Replaces every Personal inside the given values by its sealed text, in the caller's transaction (so a key
 * created here commits with the entry that needs it). Values without a Personal come back unchanged.
 */
export async function sealPersonalValues<T extends unknown[]>(trx: Transaction<DB>, values: T): Promise<T> {
  const ids = new Set<number>();
  for (const v of values) collect(v, ids);
  if (ids.size === 0) return values;
  const keys = await dataKeys(trx, [...ids].sort((a, b) => a - b));
  const sealOne = (p: Personal) => {
    if (p.value === null) return null;
    const key = keys.get(p.customerId);
    return key ? seal(p.customerId, key, p.value) : ERASED_VALUE;
  };
  return values.map((v) => replacePersonal(v, sealOne)) as T;
}

/** The customers whose keys sealed something in these texts. */
export function sealedCustomerIds(texts: Array<string | null>): number[] {
  const ids = new Set<number>();
  for (const text of texts) if (text) for (const m of text.matchAll(SEALED_ANYWHERE)) ids.add(Number(m[1]));
  return [...ids];
}

/** Opens sealed values for reading: the plaintext while the customer's key lives, ERASED_VALUE after erasure. */
export interface PersonalReader {
  text(value: string | null): string | null;
  /** A parsed JSON value with every sealed string inside opened. */
  json(value: unknown): unknown;
  /** JSON text as stored, with every sealed string inside opened (JSON-escaped), for a CSV cell. */
  jsonText(value: string | null): string | null;
}

export async function personalReader(db: Kysely<DB> | Transaction<DB>, texts: Array<string | null>): Promise<PersonalReader> {
  const ids = sealedCustomerIds(texts);
  const rows = ids.length === 0 ? [] : await db.selectFrom('customer_keys').select(['customer_id', 'data_key']).where('customer_id', 'in', ids).execute();
  const keys = new Map(rows.filter((r) => r.data_key !== null).map((r) => [Number(r.customer_id), Buffer.from(r.data_key!, 'base64')]));
  const text = (value: string | null): string | null => {
    if (value === null) return null;
    const m = SEALED.exec(value);
    if (!m) return value;
    const key = keys.get(Number(m[1]));
    return (key && open(Number(m[1]), key, m[2])) ?? ERASED_VALUE;
  };
  const json = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(json);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, json(v)]));
    return value;
  };
  const jsonText = (value: string | null): string | null =>
    value === null ? null : value.replace(SEALED_IN_JSON, (whole) => JSON.stringify(text(whole)).slice(1, -1));
  return { text, json, jsonText };
}
