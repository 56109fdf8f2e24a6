import net from 'node:net';
import { createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded SQLite database)')
    .optional(),
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL of a streaming replica of DATABASE_URL')
    .optional(),
  ORDERLY_REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  ORDERLY_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ORDERLY_SHUTDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(25),
  ORDERLY_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).optional(),
  ORDERLY_DB: z.string().min(1).default('./data/orderly.db'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ORDERLY_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  ORDERLY_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
  ORDERLY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ORDERLY_SLOW_REQUEST_MS: z.coerce.number().int().min(1).max(3_600_000).default(1000),
  ORDERLY_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  /** Background jobs (purge after retention); tests turn them off and call the jobs directly. */
  ORDERLY_JOBS: z.enum(['on', 'off']).default('on'),
  ORDERLY_BACKUP_DIR: z.string().min(1).default('./data/backups'),
  ORDERLY_BACKUP_EVERY_HOURS: z.coerce.number().int().min(1).max(24 * 366).default(24),
  ORDERLY_BACKUP_KEEP: z.coerce.number().int().min(1).max(10_000).default(7),
  ORDERLY_SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(24 * 60 * 90).default(120),
  ORDERLY_LOCKOUT_FAILURES: z.coerce.number().int().min(3).max(1000).default(10),
  ORDERLY_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  ORDERLY_LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(30),
  ORDERLY_LOGIN_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).max(100_000).default(50),
  ORDERLY_LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  ORDERLY_TRUST_PROXY: z
    .string()
    .refine(
      (v) => /^(true|false|\d{1,2})$/.test(v) || v.split(',').every((part) => isAddressOrRange(part.trim())),
      'must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses / CIDR ranges',
    )
    .default('false'),
  ORDERLY_PUBLIC_API_DOCS: z.enum(['true', 'false']).default('false'),
  ORDERLY_AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return null;
      const key = readSigningKey(v);
      if (!key) ctx.addIssue({ code: 'custom', message: 'must be an Ed25519 private key: PEM (PKCS#8) or its 32-byte seed as 64 hex digits or base64' });

      return key;
    }),
  ORDERLY_BACKUP_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return null;
      const bytes = readKeyBytes(v);
      if (!bytes) ctx.addIssue({ code: 'custom', message: 'must be a 32-byte key as 64 hex digits or base64 (for example: openssl rand -base64 32)' });
      return bytes ? createSecretKey(bytes) : null;
    }),
  ORDERLY_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  ORDERLY_MAIL_FROM: z.string().min(3).default('Orderly <orderly@localhost>'),
  ORDERLY_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  ORDERLY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ORDERLY_PUBLIC_URL: z.string().url('must be a URL such as https://orderly.example.com').optional(),
  ORDERLY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)], { error: 'must be a whole number from 1 to 256, or auto' }).default(1),
});

function isAddressOrRange(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || !net.isIP(address)) return false;
  if (bits === undefined) return true;
  const max = net.isIPv4(address) ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/** Fastify's trustProxy: false, true (any proxy), a hop count, or the proxies' addresses. */
export type TrustProxy = boolean | number | string[];
function trustProxyOf(value: string): TrustProxy {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((part) => part.trim());
}

/** 32 bytes written as 64 hex digits or as base64/base64url; null when it is neither. */
function readKeyBytes(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  return null;
}

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function readSigningKey(text: string): KeyObject | null {
  try {
    const seed = readKeyBytes(text);
    const key = seed
      ? createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
      : createPrivateKey(text.replace(/\\n/g, '\n'));
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

export type Database =
  | { dialect: 'sqlite'; file: string }
  | {
      dialect: 'postgres';
      url: string;
      /** Connections per instance to the primary (and as many to the replica). */
      poolSize?: number;
      /** A streaming replica for list, search, report and export reads; the primary answers while it lags or is down. */
      replica?: { url: string; maxLagSeconds: number };
    };

export interface Config {
  readonly database: Database;
  readonly port: number;
  readonly host: string;
  readonly adminPassword: string | undefined;
  readonly sessionHours: number;
  readonly logLevel: string;
  /** A request that takes at least this long is logged at warn with its request id (others at debug). */
  readonly slowRequestMs: number;
  readonly secureCookies: boolean;
  /** Whether this instance runs the periodic jobs; safe to leave on in every instance. */
  readonly jobs: boolean;
  /** Backups: where they are written, how often the scheduled one runs, how many are kept. */
  readonly backupDir: string;
  readonly backupEveryHours: number;
  readonly backupKeep: number;
  /** A signed-in session ends after this many minutes without a request, besides sessionHours. */
  readonly sessionIdleMinutes: number;
  /** Sign-in throttling; see README's configuration table for how the thresholds fit together. */
  readonly login: {
    readonly lockoutFailures: number;
    readonly lockoutMinutes: number;
    readonly failuresPerAddress: number;
    readonly failuresPerUsername: number;
    readonly windowMinutes: number;
  };
  /** Which reverse proxies' X-Forwarded-For is believed for the client address. */
  readonly trustProxy: TrustProxy;
  /** Whether /api/docs is served to anonymous visitors; otherwise it needs a sign-in. */
  readonly publicApiDocs: boolean;
  /** Signs audit checkpoints (Ed25519); kept outside the database so whoever can write to it cannot forge them. */
  readonly auditSigningKey: KeyObject | null;
  /** Encrypts backup files at rest (AES-256-GCM); null writes them unencrypted. */
  readonly backupKey: KeyObject | null;
  /** Notifications: e-mail over SMTP (off when unset), webhooks' address policy and timeout, links in e-mails. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly webhookAllowPrivate: boolean;
  readonly webhookTimeoutMs: number;
  readonly publicUrl: string | undefined;
  /** Bearer token that opens /metrics to a Prometheus scraper; unset: /metrics is not served. */
  readonly metricsToken: string | undefined;
  /** After SIGTERM, how long in-flight requests and running jobs get before the process exits anyway. */
  readonly shutdownSeconds: number;
  /** Where the built web app lives; absent in tests that only use the API. */
  readonly webRoot: string | undefined;
  /** Server processes sharing the port (node:cluster); `auto` in the environment is one per core. */
  readonly workers: number;
}

export class ConfigError extends Error {}

/** Reads and validates the environment once; every bad variable is named in one message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = Env.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) throw new ConfigError('Invalid configuration:\n  DATABASE_READ_URL: needs DATABASE_URL (a read replica only exists for PostgreSQL)');
  const database: Database = e.DATABASE_URL
    ? {
        dialect: 'postgres',
        url: e.DATABASE_URL,
        ...(e.ORDERLY_DB_POOL_SIZE ? { poolSize: e.ORDERLY_DB_POOL_SIZE } : {}),
        ...(e.DATABASE_READ_URL ? { replica: { url: e.DATABASE_READ_URL, maxLagSeconds: e.ORDERLY_REPLICA_MAX_LAG_SECONDS } } : {}),
      }
    : { dialect: 'sqlite', file: e.ORDERLY_DB === ':memory:' ? ':memory:' : path.resolve(e.ORDERLY_DB) };
  return Object.freeze({
    database,
    port: e.PORT,
    host: e.HOST,
    adminPassword: e.ORDERLY_ADMIN_PASSWORD,
    sessionHours: e.ORDERLY_SESSION_HOURS,
    logLevel: e.ORDERLY_LOG_LEVEL,
    slowRequestMs: e.ORDERLY_SLOW_REQUEST_MS,
    secureCookies: e.ORDERLY_SECURE_COOKIES === 'true',
    jobs: e.ORDERLY_JOBS === 'on',
    backupDir: path.resolve(e.ORDERLY_BACKUP_DIR),
    backupEveryHours: e.ORDERLY_BACKUP_EVERY_HOURS,
    backupKeep: e.ORDERLY_BACKUP_KEEP,
    sessionIdleMinutes: e.ORDERLY_SESSION_IDLE_MINUTES,
    login: Object.freeze({
      lockoutFailures: e.ORDERLY_LOCKOUT_FAILURES,
      lockoutMinutes: e.ORDERLY_LOCKOUT_MINUTES,
      failuresPerAddress: e.ORDERLY_LOGIN_FAILURES_PER_ADDRESS,
      failuresPerUsername: e.ORDERLY_LOGIN_FAILURES_PER_USERNAME,
      windowMinutes: e.ORDERLY_LOGIN_WINDOW_MINUTES,
    }),
    trustProxy: trustProxyOf(e.ORDERLY_TRUST_PROXY),
    publicApiDocs: e.ORDERLY_PUBLIC_API_DOCS === 'true',
    auditSigningKey: e.ORDERLY_AUDIT_SIGNING_KEY,
    backupKey: e.ORDERLY_BACKUP_KEY,
    smtpUrl: e.ORDERLY_SMTP_URL,
    mailFrom: e.ORDERLY_MAIL_FROM,
    webhookAllowPrivate: e.ORDERLY_WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: e.ORDERLY_WEBHOOK_TIMEOUT_MS,
    publicUrl: e.ORDERLY_PUBLIC_URL?.replace(/\/+$/, ''),
    metricsToken: e.ORDERLY_METRICS_TOKEN,
    shutdownSeconds: e.ORDERLY_SHUTDOWN_SECONDS,
    webRoot: undefined,
    workers: e.ORDERLY_WORKERS === 'auto' ? os.availableParallelism() : e.ORDERLY_WORKERS,
    ...overrides,
  });
}
