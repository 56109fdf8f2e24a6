import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/server/config.js';

/** The message of the ConfigError that loadConfig throws for this environment. */
function configErrorFor(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('configuration from the environment', () => {
  it('defaults to the embedded SQLite file on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ dialect: 'sqlite', file: path.resolve('./data/orderly.db') });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.sessionHours).toBe(12);
    expect(config.logLevel).toBe('info');
    expect(config.secureCookies).toBe(false);
    expect(config.adminPassword).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://orderly@db.internal:5432/orderly',
      PORT: '8080',
      HOST: '0.0.0.0',
      ORDERLY_ADMIN_PASSWORD: 'correct-horse-battery',
      ORDERLY_SESSION_HOURS: '8',
      ORDERLY_LOG_LEVEL: 'warn',
      ORDERLY_SECURE_COOKIES: 'true',
    });
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://orderly@db.internal:5432/orderly' });
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', adminPassword: 'correct-horse-battery', sessionHours: 8, logLevel: 'warn', secureCookies: true });
    expect(loadConfig({ ORDERLY_DB: 'elsewhere/book.db' }).database).toEqual({ dialect: 'sqlite', file: path.resolve('elsewhere/book.db') });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/d' }).database.dialect).toBe('postgres');
  });

  it('reads the replica, pool, metrics and shutdown settings; a replica needs a primary', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://orderly@primary:5432/orderly',
      DATABASE_READ_URL: 'postgres://orderly@replica:5432/orderly',
      ORDERLY_REPLICA_MAX_LAG_SECONDS: '2.5',
      ORDERLY_DB_POOL_SIZE: '20',
      ORDERLY_METRICS_TOKEN: 'a-token-of-twenty-chars',
      ORDERLY_SHUTDOWN_SECONDS: '40',
    });
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://orderly@primary:5432/orderly', poolSize: 20, replica: { url: 'postgres://orderly@replica:5432/orderly', maxLagSeconds: 2.5 } });
    expect(config).toMatchObject({ metricsToken: 'a-token-of-twenty-chars', shutdownSeconds: 40 });
    expect(loadConfig({})).toMatchObject({ metricsToken: undefined, shutdownSeconds: 25 });
    expect(configErrorFor({ DATABASE_READ_URL: 'postgres://orderly@replica/orderly' })).toMatch(/DATABASE_READ_URL: needs DATABASE_URL/);
    expect(configErrorFor({ ORDERLY_METRICS_TOKEN: 'short' })).toMatch(/ORDERLY_METRICS_TOKEN/);
  });

  it('treats an empty variable as unset, as shells and .env files produce them', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, database: { dialect: 'sqlite' } });
  });

  it.each(['eighty', '-1', '70000', '80.5'])('rejects PORT=%s with a ConfigError naming PORT', (port) => {
    expect(configErrorFor({ PORT: port })).toMatch(/\bPORT\b/);
  });

  it.each(['mysql://root@localhost/orderly', 'sqlite:./data/orderly.db', '/var/lib/orderly.db'])('rejects DATABASE_URL=%s: only postgres:// URLs', (url) => {
    const message = configErrorFor({ DATABASE_URL: url });
    expect(message).toMatch(/DATABASE_URL/);
    expect(message).toMatch(/postgres:\/\//);
  });

  it('reads ORDERLY_WORKERS: one process by default, a count, or one per core', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ ORDERLY_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ ORDERLY_WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    for (const bad of ['0', 'many', '1.5']) expect(configErrorFor({ ORDERLY_WORKERS: bad })).toContain('ORDERLY_WORKERS');
  });

  it('names every bad variable in one message, not just the first', () => {
    const message = configErrorFor({ PORT: 'x', ORDERLY_LOG_LEVEL: 'loud', ORDERLY_SESSION_HOURS: '0', ORDERLY_SECURE_COOKIES: 'yes', ORDERLY_ADMIN_PASSWORD: 'short' });
    for (const name of ['PORT', 'ORDERLY_LOG_LEVEL', 'ORDERLY_SESSION_HOURS', 'ORDERLY_SECURE_COOKIES', 'ORDERLY_ADMIN_PASSWORD']) expect(message).toContain(name);
  });
  it('reads the sign-in, session and proxy settings, with safe defaults', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ sessionIdleMinutes: 120, trustProxy: false, publicApiDocs: false });
    expect(defaults.login).toEqual({ lockoutFailures: 10, lockoutMinutes: 15, failuresPerAddress: 30, failuresPerUsername: 50, windowMinutes: 15 });
    expect(Object.isFrozen(defaults.login)).toBe(true);
    const set = loadConfig({
      ORDERLY_SESSION_IDLE_MINUTES: '30',
      ORDERLY_LOCKOUT_FAILURES: '5',
      ORDERLY_LOCKOUT_MINUTES: '60',
      ORDERLY_LOGIN_FAILURES_PER_ADDRESS: '20',
      ORDERLY_LOGIN_FAILURES_PER_USERNAME: '40',
      ORDERLY_LOGIN_WINDOW_MINUTES: '10',
      ORDERLY_PUBLIC_API_DOCS: 'true',
    });
    expect(set).toMatchObject({ sessionIdleMinutes: 30, publicApiDocs: true });
    expect(set.login).toEqual({ lockoutFailures: 5, lockoutMinutes: 60, failuresPerAddress: 20, failuresPerUsername: 40, windowMinutes: 10 });
    expect(loadConfig({ ORDERLY_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ORDERLY_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ORDERLY_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
  });

  it.each([
    ['ORDERLY_TRUST_PROXY', 'yes'],
    ['ORDERLY_TRUST_PROXY', '10.0.0.0/33'],
    ['ORDERLY_TRUST_PROXY', 'proxy.internal'],
    ['ORDERLY_SESSION_IDLE_MINUTES', '0'],
    ['ORDERLY_LOCKOUT_FAILURES', '1'],
    ['ORDERLY_LOGIN_FAILURES_PER_ADDRESS', 'many'],
    ['ORDERLY_PUBLIC_API_DOCS', 'maybe'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(configErrorFor({ [name]: value })).toContain(name);
  });
});
