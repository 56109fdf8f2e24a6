import { loadConfig } from '../../server/config.js';
import { databaseLabel } from '../../server/db/connect.js';
import { adminBanner, openDatabase } from '../../server/main.js';
import { bulkSeed } from '../bulk-seed.js';
import { wholeNumberOption, type Command } from '../command.js';

export const seedCommand: Command = {
  name: 'seed',
  usage: '--orders N [--customers N] [--products N]',
  summary: 'Bulk-load generated orders for benchmarks (fast batched inserts; no audit entries for seeded rows)',
  options: { orders: { type: 'string' }, customers: { type: 'string' }, products: { type: 'string' } },
  async run(args) {
    const orders = wholeNumberOption(args, 'orders', { required: true })!;
    const customers = wholeNumberOption(args, 'customers');
    const products = wholeNumberOption(args, 'products', { min: 3 });
    const config = loadConfig();
    const { ctx, generatedPassword } = await openDatabase(config);
    let open = true;
    const close = async () => {
      if (open) await ctx.close();
      open = false;
    };
    try {
      for (const line of adminBanner(generatedPassword)) console.log(line);
      console.log(`Seeding ${orders.toLocaleString('en')} orders into ${databaseLabel(config.database)}…`);
      const result = await bulkSeed(ctx, config.database, { orders, customers, products, log: (line) => console.log(line), releaseConnections: close });
      console.log(
        `Seeded ${result.orders.toLocaleString('en')} orders, ${result.items.toLocaleString('en')} lines, ${result.stockMovements.toLocaleString('en')} stock movements and ` +
          `${result.ledgerEntries.toLocaleString('en')} ledger entries in ${result.seconds.toFixed(1)} s ` +
          `(${Math.round(result.orders / result.seconds).toLocaleString('en')} orders/s, ${result.rowsPerSecond.toLocaleString('en')} rows/s)`,
      );
      return 0;
    } finally {
      await close();
    }
  },
};
