import type { Config } from '../../server/config.js';
import { loadConfig } from '../../server/config.js';
import { withLoadingContext } from '../../server/db/bulk-load.js';
import type { Ctx } from '../../server/db/context.js';
import { openDatabase, serve } from '../../server/main.js';
import { verifyPassword } from '../../server/modules/auth/passwords.js';
import type { Command } from '../command.js';
import { DEMO_ADMIN_PASSWORD, DEMO_USERS, ensureDemoUsers, hasOrders, loadDemoData } from '../demo-data.js';

/** The sign-in table printed by `demo`: a password is shown only if it still opens that account. */
async function signInLines(ctx: Ctx, config: Config): Promise<string[]> {
  const accounts = [{ username: 'admin', role: 'admin', password: config.adminPassword ?? DEMO_ADMIN_PASSWORD }, ...DEMO_USERS];
  const hashes = new Map(
    (await ctx.kysely.selectFrom('users').select(['username', 'password_hash']).where('username', 'in', accounts.map((a) => a.username)).execute()).map((u) => [u.username, u.password_hash]),
  );
  const lines = [`Sign in at http://${config.host}:${config.port} with one of the demo accounts:`];
  for (const account of accounts) {
    const hash = hashes.get(account.username);
    const works = hash !== undefined && (await verifyPassword(hash, account.password));
    lines.push(`  ${account.username.padEnd(10)} ${(works ? account.password : '(password changed before this run)').padEnd(34)} ${account.role}`);
  }
  return lines;
}

export const demoCommand: Command = {
  name: 'demo',
  usage: '',
  summary: 'Serve the app with demo data and one demo account per built-in role (data loads only into a database without orders)',
  async run() {
    const env = loadConfig();
    // A fresh demo database gets a documented admin password instead of a random one.
    const config: Config = env.adminPassword ? env : { ...env, adminPassword: DEMO_ADMIN_PASSWORD };
    const { ctx } = await openDatabase(config);
    await ensureDemoUsers(ctx);
    if (await hasOrders(ctx)) {
      console.log('The database already has orders, so the demo data was not loaded again.');
    } else {
      const started = performance.now();
      console.log('Loading the demo data set…');
      const summary = await withLoadingContext(ctx, config.database, (loader) => loadDemoData(loader));
      const statuses = Object.entries(summary.byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
      console.log(`Loaded ${summary.customers} customers, ${summary.products} products and ${summary.orders} orders (${statuses}) in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    }
    await serve(config, ctx, await signInLines(ctx, config));
    return 0;
  },
};
