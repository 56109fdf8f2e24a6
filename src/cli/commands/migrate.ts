import { loadConfig } from '../../server/config.js';
import { connect } from '../../server/db/connect.js';
import { migrateToLatest, withStartupLock } from '../../server/db/migrate.js';
import { ensureBuiltinRoles } from '../../server/modules/users/roles.queries.js';
import type { Command } from '../command.js';

export const migrateCommand: Command = {
  name: 'migrate',
  usage: '',
  summary: 'Bring the database schema up to date and make sure the built-in roles exist',
  async run() {
    const config = loadConfig();
    const ctx = connect(config.database);
    try {
      const applied = await withStartupLock(ctx.kysely, ctx.dialect, async () => {
        const names = await migrateToLatest(ctx.kysely, ctx.dialect);
        await ensureBuiltinRoles(ctx.kysely);
        return names;
      });
      console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database schema is up to date.');
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
