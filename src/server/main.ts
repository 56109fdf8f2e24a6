import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { connect, databaseLabel, type Db } from './db/connect.js';
import { migrateToLatest, withStartupLock } from './db/migrate.js';
import { bootstrap } from './modules/users/users.service.js';
import { installGracefulShutdown } from './platform/shutdown.js';

/** The built web app, next to the compiled server (dist/web beside dist/src). */
export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

/** Connects, migrates, makes sure the built-in roles and `admin` exist. */
export async function openDatabase(config: Config): Promise<{ ctx: Db; generatedPassword?: string }> {
  const ctx = connect(config.database);
  // Several instances may start at once: one at a time migrates and creates `admin`.
  const { generatedPassword } = await withStartupLock(ctx.kysely, ctx.dialect, async () => {
    await migrateToLatest(ctx.kysely, ctx.dialect);
    return bootstrap(ctx, config.adminPassword);
  });
  return { ctx, generatedPassword };
}

export async function serve(config: Config, ctx: Db, banner: string[] = []): Promise<void> {
  const app = await buildApp({ ...config, webRoot: config.webRoot ?? WEB_ROOT }, ctx);
  installGracefulShutdown(app, { deadlineMs: config.shutdownSeconds * 1000, closeResources: () => ctx.close() });
  await app.listen({ port: config.port, host: config.host });
  const where = databaseLabel(config.database);
  const lines = [`Orderly is serving http://${config.host}:${config.port} (database: ${where})`, ...banner];
  console.log(`\n${lines.join('\n')}\n`);
}

export function adminBanner(generatedPassword: string | undefined): string[] {
  return generatedPassword
    ? [`First start: created user "admin" with password ${generatedPassword}`, 'It is shown only this once; change it after signing in.']
    : [];
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { ctx, generatedPassword } = await openDatabase(config);
  await serve(config, ctx, adminBanner(generatedPassword));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
