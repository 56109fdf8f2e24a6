import { loadConfig } from './dist/src/server/config.js';
import { openDatabase } from './dist/src/server/main.js';
import { measureScenarios } from './dist/bench/run.js';
const [target, orders = '1000000', concurrency = '10'] = process.argv.slice(2);
const env = { ORDERLY_ADMIN_PASSWORD: 'bench-admin-password', ORDERLY_LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' };
const config = loadConfig(target.startsWith('postgres') ? { ...env, DATABASE_URL: target } : { ...env, ORDERLY_DB: target });
const { ctx } = await openDatabase(config);
await measureScenarios(config, ctx, { orders: Number(orders), requests: 500, concurrency: Number(concurrency) });
await ctx.close();
