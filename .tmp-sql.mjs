import SQLite from 'better-sqlite3';
const db = new SQLite(process.argv[2]); db.pragma('cache_size = -65536');
const ids = db.prepare("select id from customers where name_key like ? escape '\\' limit 1000").all('%harbor foods%').map(r => r.id);
console.log('customers', ids.length);
const variants = {
  current: `select o.id, o.number, o.status, o.customer_id, c.name, o.owner_id, u.display_name, u.username, o.total, o.created_at, o.updated_at, o.version from orders o join customers c on c.id = o.customer_id left join users u on u.id = o.owner_id where o.deleted_at is null and o.customer_id in (${ids.join(',')}) order by o.created_at desc, o.id desc limit 51`,
  inner: `select o.id from orders o where o.deleted_at is null and o.customer_id in (${ids.join(',')}) order by o.created_at desc, o.id desc limit 51`,
  deferred: `select o.id, o.number, o.status, o.customer_id, c.name, o.owner_id, u.display_name, u.username, o.total, o.created_at, o.updated_at, o.version from (select o.id from orders o where o.deleted_at is null and o.customer_id in (${ids.join(',')}) order by o.created_at desc, o.id desc limit 51) p join orders o on o.id = p.id join customers c on c.id = o.customer_id left join users u on u.id = o.owner_id order by o.created_at desc, o.id desc`,
  statusDeferred: `select o.id, o.number from (select o.id from orders o where o.deleted_at is null and o.status in ('confirmed') order by o.created_at desc, o.id desc limit 51) p join orders o on o.id = p.id join customers c on c.id = o.customer_id left join users u on u.id = o.owner_id order by o.created_at desc, o.id desc`,
  statusCurrent: `select o.id, o.number, o.status, o.customer_id, c.name, o.owner_id, u.display_name, u.username, o.total, o.created_at, o.updated_at, o.version from orders o join customers c on c.id = o.customer_id left join users u on u.id = o.owner_id where o.deleted_at is null and o.status in ('confirmed') order by o.created_at desc, o.id desc limit 51`,
  like: `select id from customers where name_key like '%harbor foods%' escape '\\' limit 1000`,
  instr: `select id from customers where instr(name_key, 'harbor foods') > 0 limit 1000`,
  likeNoEscape: `select id from customers where name_key like '%harbor foods%' limit 1000`,
};
for (const [name, sql] of Object.entries(variants)) {
  const st = db.prepare(sql);
  for (let i = 0; i < 20; i++) st.all();
  const t = performance.now(); for (let i = 0; i < 200; i++) st.all();
  console.log(name.padEnd(16), ((performance.now() - t) / 200).toFixed(3), 'ms', db.prepare('explain query plan ' + sql).all().map(r => r.detail).join(' | '));
}
