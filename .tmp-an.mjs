import SQLite from 'better-sqlite3';
const db = new SQLite(process.argv[2]);
db.pragma('cache_size = -524288'); db.pragma('temp_store = MEMORY');
let t = performance.now(); db.exec('analyze'); console.log('analyze', (performance.now()-t).toFixed(0));
t = performance.now(); db.exec('begin'); db.exec('drop index orders_customer_created'); db.exec('create index orders_customer_created on orders (customer_id, created_at, id) where deleted_at is null'); db.exec('commit'); console.log('one index', (performance.now()-t).toFixed(0));
t = performance.now(); db.exec("pragma analysis_limit=1000; pragma optimize=0x10002"); console.log('optimize', (performance.now()-t).toFixed(0));
console.log(db.prepare('select count(*) n from sqlite_stat1').get());
