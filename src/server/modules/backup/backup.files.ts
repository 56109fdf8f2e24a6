import { createCipheriv, createDecipheriv, createHash, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { BackupManifest, type BackupTable } from '../../../contracts/backup.js';

/**
 * The on-disk format: one folder per backup holding `manifest.json` and one `<table>.jsonl.gz` per table
 * (one JSON object per row and line, keys in column order, rows in primary-key order). JSON lines are the
 * same whichever database wrote them, which is what lets a SQLite backup restore into PostgreSQL and back.
 */
export const MANIFEST_FILE = 'manifest.json';
/** The last verification's result; outside the checksums, since verifying must not change the backup. */
export const VERIFICATION_FILE = 'verification.json';

export type Row = Record<string, unknown>;

/** A backup file that does not match its manifest; the message names the file and what is wrong. */
export class BackupFileError extends Error {}

/** The manifest's own checksum: sha256 of its JSON without the `sha256` member. */
export function manifestChecksum(manifest: Omit<BackupManifest, 'sha256'> & { sha256?: string }): string {
  const { sha256: _ignored, ...body } = manifest;
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export function readManifest(dir: string): BackupManifest {
  const file = `${dir}/${MANIFEST_FILE}`;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `is not readable JSON (${(error as Error).message})`;
    throw new BackupFileError(`${MANIFEST_FILE} ${reason}`);
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BackupFileError(`${MANIFEST_FILE} is not an Orderly backup manifest of a known version (${first?.path.join('.') || 'manifest'}: ${first?.message})`);
  }
  // Hash the members exactly as they were written (JSON.parse keeps their order).
  if (manifestChecksum(raw as BackupManifest) !== parsed.data.sha256) {
    throw new BackupFileError(`${MANIFEST_FILE} checksum mismatch: the manifest was changed after the backup was taken`);
  }
  return parsed.data;
}

/** Owner only: a backup holds every order and customer; whoever else can read the folder must not read it. */
export const BACKUP_FILE_MODE = 0o600;
export const BACKUP_DIR_MODE = 0o700;

export function writeManifest(dir: string, manifest: BackupManifest): void {
  fs.writeFileSync(`${dir}/${MANIFEST_FILE}`, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx', mode: BACKUP_FILE_MODE });
}

/**
 * Encrypted table files are `iv (12 bytes) | AES-256-GCM ciphertext of the gzip stream | tag (16 bytes)`, with
 * the file's name as additional data, so a file moved to another table's name does not decrypt.
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const aadOf = (file: string) => Buffer.from(`orderly-backup/2:${path.basename(file)}`, 'utf8');

/** Names a backup key without revealing it: a wrong key is reported as such, before any decryption. */
export function backupKeyId(key: KeyObject): string {
  return createHash('sha256').update('orderly-backup-key-id\n').update(key.export()).digest('hex').slice(0, 16);
}

/** One row as a line; a value JSON cannot carry exactly (bigint, Date, Buffer) stops the backup loudly. */
export function encodeRow(table: string, columns: string[], row: Row): string {
  const out: Row = {};
  for (const c of columns) {
    const v = row[c];
    if (v !== null && typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new BackupFileError(`${table}.${c} holds a value of type ${typeof v === 'object' ? v.constructor?.name : typeof v}, which a backup cannot carry`);
    }
    out[c] = v;
  }
  return `${JSON.stringify(out)}\n`;
}

export interface WrittenFile {
  rows: number;
  sha256: string;
  fileSha256: string;
  bytes: number;
}

/** Compresses (and with a key, encrypts) the lines into `file`, hashing the content before and the file as stored. */
export async function writeTableFile(file: string, pages: AsyncIterable<string[]>, key: KeyObject | null = null): Promise<WrittenFile> {
  const content = createHash('sha256');
  const stored = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  await pipeline(
    async function* () {
      for await (const lines of pages) {
        const text = lines.join('');
        content.update(text);
        rows += lines.length;
        yield text;
      }
    },
    // Level 4 compresses JSON lines nearly as well as the default at about twice the speed.
    createGzip({ level: 4 }),
    async function* (source: AsyncIterable<Buffer>) {
      const emit = (chunk: Buffer) => {
        stored.update(chunk);
        bytes += chunk.length;
        return chunk;
      };
      if (!key) {
        for await (const chunk of source) yield emit(chunk);
        return;
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aadOf(file));
      yield emit(iv);
      for await (const chunk of source) yield emit(cipher.update(chunk));
      yield emit(cipher.final());
      yield emit(cipher.getAuthTag());
    },
    fs.createWriteStream(file, { flags: 'wx', mode: BACKUP_FILE_MODE }),
  );
  return { rows, sha256: content.digest('hex'), fileSha256: stored.digest('hex'), bytes };
}

/** sha256 of a file as stored, without decompressing it. */
export async function fileChecksum(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function checkValue(table: BackupTable, column: BackupTable['columns'][number], value: unknown, line: number): void {
  if (value === null) return;
  const ok = column.type === 'text' ? typeof value === 'string' : column.type === 'integer' ? Number.isSafeInteger(value) : typeof value === 'number';
  if (!ok) throw new BackupFileError(`${table.file} line ${line}: ${column.name} should be ${column.type}, found ${JSON.stringify(value).slice(0, 40)}`);
}

function decodeLine(table: BackupTable, text: string, line: number): Row {
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch {
    throw new BackupFileError(`${table.file} line ${line} is not valid JSON`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new BackupFileError(`${table.file} line ${line} is not a row object`);
  const keys = Object.keys(row);
  if (keys.length !== table.columns.length) throw new BackupFileError(`${table.file} line ${line} has columns ${keys.join(', ')}; the manifest lists ${table.columns.map((c) => c.name).join(', ')}`);
  for (const column of table.columns) {
    if (!(column.name in row)) throw new BackupFileError(`${table.file} line ${line} lacks column ${column.name}`);
    checkValue(table, column, (row as Row)[column.name], line);
  }
  return row as Row;
}

/**
 * Streams the rows of one table file in batches, checking as it goes that every line is a row of the
 * manifest's columns, and at the end that the stored bytes, the content and the row count match the
 * manifest. Rows already handed out are only trustworthy once the generator has finished without error:
 * a restore consumes it inside its transaction, so a late mismatch rolls everything back.
 */
export async function* readTableRows(dir: string, table: BackupTable, batchSize: number, key: KeyObject | null = null): AsyncGenerator<Row[]> {
  const stored = createHash('sha256');
  const content = createHash('sha256');
  const file = `${dir}/${table.file}`;
  const gunzip = createGunzip();
  let raw: fs.ReadStream;
  let tag: Buffer | null = null;
  if (key) {
    const { iv, tag: t, size } = readEnvelope(file, table.file);
    tag = t;
    stored.update(iv);
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aadOf(file)).setAuthTag(t);
    raw = fs.createReadStream(file, { start: IV_BYTES, end: size - TAG_BYTES - 1 });
    raw.on('data', (chunk) => stored.update(chunk as Buffer));
    raw.on('error', (error) => decipher.destroy(error));
    decipher.on('error', (error) => gunzip.destroy(new BackupFileError(`${table.file} does not decrypt with ORDERLY_BACKUP_KEY: wrong key, or the file was changed (${error.message})`)));
    raw.pipe(decipher).pipe(gunzip);
  } else {
    raw = fs.createReadStream(file);
    raw.on('data', (chunk) => stored.update(chunk as Buffer));
    raw.on('error', (error) => gunzip.destroy(error));
    raw.pipe(gunzip);
  }
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let line = 0;
  let batch: Row[] = [];
  try {
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        content.update(chunk);
        const parts = (carry + decoder.write(chunk)).split('\n');
        carry = parts.pop()!;
        for (const text of parts) {
          batch.push(decodeLine(table, text, ++line));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
    } catch (error) {
      if (error instanceof BackupFileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BackupFileError(`${table.file} is missing`);
      throw new BackupFileError(`${table.file} is damaged: it does not decompress (${(error as Error).message})`);
    }
    carry += decoder.end();
    if (carry !== '') throw new BackupFileError(`${table.file} ends in the middle of a line: the file is truncated`);
    if (batch.length > 0) yield batch;
    if (tag) stored.update(tag);
    const storedSha = stored.digest('hex');
    if (storedSha !== table.fileSha256) throw new BackupFileError(`${table.file} checksum mismatch: the file was changed or damaged after the backup was taken`);
    if (content.digest('hex') !== table.sha256) throw new BackupFileError(`${table.file} content checksum mismatch`);
    if (line !== table.rows) throw new BackupFileError(`${table.file} holds ${line} rows; the manifest lists ${table.rows}`);
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

function readEnvelope(file: string, name: string): { iv: Buffer; tag: Buffer; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupFileError(`${name} is missing`);
    throw error;
  }
  try {
    const size = fs.fstatSync(fd).size;
    // A gzip stream is never empty, so neither is the ciphertext.
    if (size <= IV_BYTES + TAG_BYTES) throw new BackupFileError(`${name} is too short to be an encrypted backup file`);
    const iv = Buffer.alloc(IV_BYTES);
    const tag = Buffer.alloc(TAG_BYTES);
    fs.readSync(fd, iv, 0, IV_BYTES, 0);
    fs.readSync(fd, tag, 0, TAG_BYTES, size - TAG_BYTES);
    return { iv, tag, size };
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes on disk of a backup folder. */
export function folderSize(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(`${dir}/${f}`).size, 0);
}
