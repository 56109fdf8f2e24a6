import { Kysely, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { listOrders } from './dist/src/server/modules/orders/orders.queries.js';
import { accessOf } from './dist/src/server/modules/users/roles.queries.js';
import { OrderListQuery } from './dist/src/contracts/orders.js';
const raw = new SQLite(process.argv[2]); raw.pragma('cache_size = -65536');
const cache = new Map();
const cached = { prepare(sql) { let s = cache.get(sql); if (!s) { s = raw.prepare(sql); cache.set(sql, s); } return s; }, close() { raw.close(); } };
const plain = new Kysely({ dialect: new SqliteDialect({ database: raw }) });
const fast = new Kysely({ dialect: new SqliteDialect({ database: cached }) });
const bench = async (name, fn) => { for (let i = 0; i < 50; i++) await fn(); const t = performance.now(); const c = process.cpuUsage(); for (let i = 0; i < 500; i++) await fn(); const u = process.cpuUsage(c); console.log(name.padEnd(40), 'wall', ((performance.now() - t) / 500).toFixed(3), 'cpu', ((u.user + u.system) / 1000 / 500).toFixed(3), 'ms'); };
for (const q of process.argv.slice(3)) {
  const query = OrderListQuery.parse(Object.fromEntries(new URLSearchParams(q)));
  await bench(`plain ${q}`.slice(0, 40), () => listOrders(plain, query, {}));
  await bench(`cached ${q}`.slice(0, 40), () => listOrders(fast, query, {}));
  const compiled = (await import('./dist/src/server/modules/orders/orders.queries.js'));
}
await bench('accessOf plain', () => accessOf(plain, 1));
await bench('accessOf cached', () => accessOf(fast, 1));
await bench('compile only', () => plain.selectFrom('orders as o').innerJoin('customers as c', 'c.id', 'o.customer_id').leftJoin('users as u', 'u.id', 'o.owner_id').select(['o.id', 'o.number', 'o.status', 'o.customer_id', 'c.name as customer_name', 'o.owner_id', 'u.display_name', 'u.username', 'o.total', 'o.created_at', 'o.updated_at', 'o.version']).where('o.deleted_at', 'is', null).where('o.status', 'in', ['confirmed']).orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').limit(51).compile());
