/**
 * The app in a process of its own for the crash drill, on the database named by the environment (like
 * `npm start`): the parent sends it a bulk deletion or restore and kills it with SIGKILL part-way through.
 * Sends `{ port }` once listening. Nothing here handles the kill: that is the point.
 */
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { connect } from '../src/server/db/connect.js';

async function serveForCrash(): Promise<void> {
  const config = loadConfig();
  const ctx = connect(config.database);
  const app = await buildApp(config, ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the crash server is not listening on TCP');
  // Should the drill itself die, its servers must not outlive it.
  process.once('disconnect', () => process.exit(0));
  process.send!({ port: address.port });
}

serveForCrash().catch((error) => {
  console.error(error);
  process.exit(1);
});
