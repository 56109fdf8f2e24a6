import { Kysely, SqliteDialect, PostgresDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { listOrders } from './dist/src/server/modules/orders/orders.queries.js';
import { accessOf } from './dist/src/server/modules/users/roles.queries.js';
import { OrderListQuery } from './dist/src/contracts/orders.js';
const [target, ...qs] = process.argv.slice(2);
let kysely;
const stats = new Map();
const log = (e) => { if (e.level !== 'query') return; const k = e.query.sql.replace(/"o"\."id", .* from/, '… from').slice(0, 160); const s = stats.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += e.queryDurationMillis; stats.set(k, s); };
if (!target.startsWith('postgres')) { const raw = new SQLite(target); raw.pragma('cache_size = -65536'); kysely = new Kysely({ dialect: new SqliteDialect({ database: raw }), log }); }
else kysely = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target }) }), log });
for (const q of qs) {
  const query = OrderListQuery.parse(Object.fromEntries(new URLSearchParams(q)));
  for (let i = 0; i < 20; i++) await listOrders(kysely, query, {});
  stats.clear();
  const t = performance.now();
  for (let i = 0; i < 200; i++) await listOrders(kysely, query, {});
  console.log(`${q}: ${((performance.now() - t) / 200).toFixed(2)} ms per call`);
  for (const [k, s] of stats) console.log(`   ${(s.ms / s.n).toFixed(2)} ms  ${k}`);
}
stats.clear();
let t = performance.now();
for (let i = 0; i < 500; i++) await accessOf(kysely, 1);
console.log(`accessOf ${((performance.now() - t) / 500).toFixed(3)} ms`);
await kysely.destroy();
