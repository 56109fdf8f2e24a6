import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for the embedded SQLite database)')
    .optional(),
  ORDERLY_DB: z.string().min(1).default('./data/orderly.db'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ORDERLY_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  ORDERLY_SESSION_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
  ORDERLY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ORDERLY_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  /** Background jobs (purge after retention); tests turn them off and call the jobs directly. */
  ORDERLY_JOBS: z.enum(['on', 'off']).default('on'),
  ORDERLY_BACKUP_DIR: z.string().min(1).default('./data/backups'),
  ORDERLY_BACKUP_EVERY_HOURS: z.coerce.number().int().min(1).max(24 * 366).default(24),
  ORDERLY_BACKUP_KEEP: z.coerce.number().int().min(1).max(10_000).default(7),
  ORDERLY_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  ORDERLY_MAIL_FROM: z.string().min(3).default('Orderly <orderly@localhost>'),
  ORDERLY_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  ORDERLY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ORDERLY_PUBLIC_URL: z.string().url('must be a URL such as https://orderly.example.com').optional(),
});

export type Database =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string };

export interface Config {
  readonly database: Database;
  readonly port: number;
  readonly host: string;
  readonly adminPassword: string | undefined;
  readonly sessionHours: number;
  readonly logLevel: string;
  readonly secureCookies: boolean;
  /** Whether this instance runs the periodic jobs; safe to leave on in every instance. */
  readonly jobs: boolean;
  /** Backups: where they are written, how often the scheduled one runs, how many are kept. */
  readonly backupDir: string;
  readonly backupEveryHours: number;
  readonly backupKeep: number;
  /** Notifications: e-mail over SMTP (off when unset), webhooks' address policy and timeout, links in e-mails. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly webhookAllowPrivate: boolean;
  readonly webhookTimeoutMs: number;
  readonly publicUrl: string | undefined;
  /** Where the built web app lives; absent in tests that only use the API. */
  readonly webRoot: string | undefined;
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
  const database: Database = e.DATABASE_URL
    ? { dialect: 'postgres', url: e.DATABASE_URL }
    : { dialect: 'sqlite', file: e.ORDERLY_DB === ':memory:' ? ':memory:' : path.resolve(e.ORDERLY_DB) };
  return Object.freeze({
    database,
    port: e.PORT,
    host: e.HOST,
    adminPassword: e.ORDERLY_ADMIN_PASSWORD,
    sessionHours: e.ORDERLY_SESSION_HOURS,
    logLevel: e.ORDERLY_LOG_LEVEL,
    secureCookies: e.ORDERLY_SECURE_COOKIES === 'true',
    jobs: e.ORDERLY_JOBS === 'on',
    backupDir: path.resolve(e.ORDERLY_BACKUP_DIR),
    backupEveryHours: e.ORDERLY_BACKUP_EVERY_HOURS,
    backupKeep: e.ORDERLY_BACKUP_KEEP,
    smtpUrl: e.ORDERLY_SMTP_URL,
    mailFrom: e.ORDERLY_MAIL_FROM,
    webhookAllowPrivate: e.ORDERLY_WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: e.ORDERLY_WEBHOOK_TIMEOUT_MS,
    publicUrl: e.ORDERLY_PUBLIC_URL?.replace(/\/+$/, ''),
    webRoot: undefined,
    ...overrides,
  });
}
