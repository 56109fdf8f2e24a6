import { Kysely, SqliteDialect, PostgresDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { listOrders } from './dist/src/server/modules/orders/orders.queries.js';
import { OrderListQuery } from './dist/src/contracts/orders.js';
const [dialect, target, ...qs] = process.argv.slice(2);
let raw, kysely;
const logged = [];
if (dialect === 'sqlite') { raw = new SQLite(target); kysely = new Kysely({ dialect: new SqliteDialect({ database: raw }), log: (e) => logged.push(e) }); }
else { const pool = new pg.Pool({ connectionString: target }); raw = pool; kysely = new Kysely({ dialect: new PostgresDialect({ pool }), log: (e) => logged.push(e) }); }
for (const q of qs) {
  logged.length = 0;
  const query = OrderListQuery.parse(Object.fromEntries(new URLSearchParams(q)));
  let t = performance.now();
  const r = await listOrders(kysely, query, {});
  const ms = performance.now() - t;
  console.log(`\n### ${q}  → ${r.items.length} items in ${ms.toFixed(1)} ms`);
  for (const e of logged) {
    console.log(`  [${e.queryDurationMillis.toFixed(2)} ms] ${e.query.sql}`);
    if (dialect === 'sqlite') for (const row of raw.prepare('explain query plan ' + e.query.sql).all(...e.query.parameters)) console.log('     ', row.detail);
    else { const res = await raw.query('explain analyze ' + e.query.sql, e.query.parameters); for (const row of res.rows) console.log('     ', row['QUERY PLAN']); }
  }
}
await kysely.destroy();
