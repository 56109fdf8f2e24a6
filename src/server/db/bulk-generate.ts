import type { Dialect } from './connect.js';

/*
 * The bulk seed's orders generated inside the database: one INSERT … SELECT per table over a series of order
 * numbers n = 0 … N-1, every value a pure function of n. Generating them in Node cost ~37–40 µs of CPU per
 * order, most of it formatting values the database then parsed again; here no row crosses the wire.
 *
 * Randomness: a counter-based generator, `draw(n, s)` (n the order, s the stream), a few integer steps of a
 * middle-square mix that both databases evaluate identically in 64-bit integers (every product stays below
 * 2^63). It is deterministic, so each statement recomputes what it needs (the stock movements recompute an
 * order's status and lines instead of reading the orders back) and two runs give the same data. `seedDraw` is
 * its twin in JavaScript, which the seed uses to place year boundaries exactly (numbers restart every year).
 *
 * Subqueries are stacked in layers, each fenced (OFFSET 0) so neither planner inlines a layer's expressions
 * into every place the next one uses them.
 *
 * On SQLite the orders themselves (`seed_orders`, the layers' result) are computed by seedOrderRows, this SQL's twin
 * in JavaScript, in an eighth of the time; the lines and journals are still these statements over it.
 */

const M = 2_147_483_648; // 2^31
const DAY = 86_400_000;

/** A draw in [0, 2^31): the same number SQL computes for order n, stream s. */
export function seedDraw(n: number, stream: number, seed: number): number {
  const m = 2_147_483_648n;
  const a = (BigInt(n) * 2_654_435_761n + BigInt(seed)) % m;
  const x = (a + BigInt(stream) * 1_103_515_245n) % m;
  const y = ((x * x) / 32_768n + x) % m;
  return Number(((y * y) / 32_768n + y + BigInt(stream) * 12_345n) % m);
}

export interface GeneratedOrders {
  orders: number;
  seed: number;
  /** First id of each table; order n gets order id `order + n`, its line k item id `item + 3n + k - 1`. */
  ids: { order: number; item: number; movement: number; ledger: number };
  customers: { first: number; count: number };
  /** Products with ids first … first+count-1, already written (their prices are read by id). */
  products: { first: number; count: number };
  owners: number[];
  /** Order n is created in [from + n·slot, from + (n+1)·slot) (ms since the epoch); nothing after `until`. */
  from: number;
  slot: number;
  until: number;
  /** Numbers per calendar year: order n of `year` gets serial `n - firstOrder + firstSerial`. Ascending. */
  years: Array<{ year: number; firstOrder: number; firstSerial: number }>;
  /** The data's shape, weights in whole percent (each set sums to 100). */
  shape: {
    /** Status by the order's age, oldest bracket first; the last has `olderThanDays: 0`. */
    statusByAge: Array<{ olderThanDays: number; weights: Record<'draft' | 'confirmed' | 'shipped' | 'completed' | 'cancelled', number> }>;
    lineCounts: Record<'1' | '2' | '3', number>;
    quantities: Record<string, number>;
    /** Per line: chance of the 5 % discount. */
    discountPercent: number;
    /** Chance of a part payment: half of a shipped order, 30 % of a confirmed one. Completed orders are paid. */
    partPaymentPercent: { shipped: number; confirmed: number };
  };
}

/**
 * The shape of the seed's order book (whole percent; the SQL below and seedOrderRows draw from it): older orders
 * have mostly run their course, recent ones are in flight. Seeded cancellations are cancelled drafts.
 */
export const SEED_SHAPE: GeneratedOrders['shape'] = {
  statusByAge: [
    { olderThanDays: 90, weights: { completed: 84, cancelled: 8, shipped: 4, confirmed: 2, draft: 2 } },
    { olderThanDays: 30, weights: { completed: 45, shipped: 22, confirmed: 15, cancelled: 9, draft: 9 } },
    { olderThanDays: 0, weights: { draft: 30, confirmed: 30, shipped: 18, completed: 10, cancelled: 12 } },
  ],
  lineCounts: { '1': 45, '2': 35, '3': 20 },
  quantities: { '1': 40, '2': 25, '3': 15, '5': 12, '10': 8 },
  discountPercent: 10,
  partPaymentPercent: { shipped: 30, confirmed: 15 },
};

/**
 * A share of the orders for one of several generators running side by side: the series cut into blocks of
 * `block` orders, this part taking blocks `index`, `index + of`, `index + 2·of`, … Interleaved rather than
 * halves, so that rows written as the parts produce them still land in the tables roughly in order of n.
 */
export interface SeriesPart {
  index: number;
  of: number;
  block: number;
}

interface Fragments {
  /** The series 0 … count-1 (or the given part of it) as a FROM item with column n (64-bit). */
  series(count: number, part?: SeriesPart): string;
  /** Keeps a subquery from being merged into the query around it. */
  fence: string;
  /** ms since the epoch → ISO 8601 text as the app writes it (toISOString). */
  iso(ms: string): string;
  /**
   * Whether `seed_orders` holds its times as the app's text. SQLite's does (computed once per order by
   * seedOrderRows, where formatting each of the ~9 M times in the journals' statements cost ~1 µs of strftime
   * apiece); PostgreSQL's holds ms, formatted where they are written.
   */
  timesAsText: boolean;
  pad6(value: string): string;
  /** Byte-wise comparison of text, as JavaScript's sort compares these ASCII strings. */
  bytewise: string;
  sha256hex(text: string): string;
}

const FRAGMENTS: Record<Dialect, Fragments> = {
  postgres: {
    series: (count, part) =>
      part
        ? `generate_series(${int(part.index)}::bigint, ${int(Math.ceil(count / part.block) - 1)}::bigint, ${int(part.of)}::bigint) as b(b)
            cross join lateral generate_series(b * ${int(part.block)}, least(b * ${int(part.block)} + ${int(part.block)}, ${int(count)}) - 1) as s(n)`
        : `generate_series(0::bigint, ${count - 1}::bigint) as s(n)`,
    fence: 'offset 0',
    iso: (ms) => `to_char(timestamp '1970-01-01' + (${ms}) * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    timesAsText: false,
    pad6: (value) => `lpad((${value})::text, 6, '0')`,
    bytewise: ' collate "C"',
    sha256hex: (text) => `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`,
  },
  sqlite: {
    series: (count, part) => {
      if (part) throw new Error('SQLite generates the orders in one part');
      return `(with recursive s(n) as (select 0 union all select n + 1 from s where n < ${count - 1}) select n from s) as s`;
    },
    // OFFSET stops SQLite's query flattener (its restriction 14); the subquery then runs as a co-routine.
    fence: 'limit -1 offset 0',
    iso: (ms) => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`,
    timesAsText: true,
    pad6: (value) => `substr('000000' || (${value}), -6)`,
    bytewise: '',
    // Registered by the SQLite writer (bulk-load.ts): SQLite has no SHA-256 of its own.
    sha256hex: (text) => `seed_sha256(${text})`,
  },
};

const int = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not a whole number: ${value}`);
  return String(value);
};

const STREAMS = 16;

/**
 * The layers that turn the series into draws z0 … z15 (draw(n, s) for s = 0 … 15): each step of the mix in a
 * layer of its own, so every intermediate is computed once instead of once per place the next step uses it.
 */
function draws(f: Fragments, seed: number, orders: number, part: SeriesPart | undefined): string {
  const streams = Array.from({ length: STREAMS }, (_, s) => s);
  const a = `select n, (n * 2654435761 + ${int(seed)}) % ${M} as a from ${f.series(orders, part)}`;
  const x = `select n, ${streams.map((s) => `(a + ${s * 1_103_515_245}) % ${M} as x${s}`).join(', ')} from (${a} ${f.fence}) la`;
  const y = `select n, ${streams.map((s) => `(x${s} * x${s} / 32768 + x${s}) % ${M} as y${s}`).join(', ')} from (${x} ${f.fence}) lx`;
  return `select n, ${streams.map((s) => `(y${s} * y${s} / 32768 + y${s} + ${s * 12_345}) % ${M} as z${s}`).join(', ')} from (${y} ${f.fence}) ly`;
}

/** The key whose cumulative percent range `roll` (0–99) falls in. */
function weightedCase(roll: string, weights: Record<string, number>, quote: boolean): string {
  const entries = Object.entries(weights);
  if (entries.reduce((sum, [, w]) => sum + w, 0) !== 100) throw new Error(`weights must sum to 100: ${JSON.stringify(weights)}`);
  let bound = 0;
  const branches = entries.slice(0, -1).map(([key, weight]) => {
    bound += weight;
    return `when ${roll} < ${bound} then ${quote ? `'${key}'` : int(Number(key))}`;
  });
  const last = entries[entries.length - 1][0];
  const otherwise = quote ? `'${last}'` : int(Number(last));
  // CASE needs a WHEN: one key alone is that key.
  return branches.length === 0 ? otherwise : `case ${branches.join(' ')} else ${otherwise} end`;
}

const smaller = (a: string, b: string) => `case when ${a} < ${b} then ${a} else ${b} end`;
const pick3 = (k: string, column: string) => `case ${k} when 1 then ${column}1 when 2 then ${column}2 else ${column}3 end`;

/**
 * Each order without prices: time, status, owner, customer, lines (product, quantity, discount) and the
 * timestamps of its steps. Columns: n, created, status, lc, owner_id, customer_id, p1–p3, q1–q3, d1–d3,
 * confirmed, shipped, completed, cancelled, gap, zpay, zpaid.
 */
function ordersWithoutPrices(f: Fragments, plan: GeneratedOrders, part: SeriesPart | undefined): string {
  const { shape, products } = plan;
  const stride = Math.max(1, Math.floor((products.count - 1) / 2));
  const owners = plan.owners;
  // Owner i with probability ((i+1)/c)^(2/3) - (i/c)^(2/3): the first owners busier, as r^1.5·c picks them.
  const ownerCase = owners.length === 1 ? int(owners[0]) : `case ${owners
    .slice(0, -1)
    .map((id, i) => `when zo < ${Math.floor(M * ((i + 1) / owners.length) ** (2 / 3))} then ${int(id)}`)
    .join(' ')} else ${int(owners[owners.length - 1])} end`;
  const brackets = shape.statusByAge;
  const statusCase = `case ${brackets
    .slice(0, -1)
    .map((b) => `when gap > ${int(b.olderThanDays * DAY)} then ${weightedCase('zs % 100', b.weights, true)}`)
    .join(' ')} else ${weightedCase('zs % 100', brackets[brackets.length - 1].weights, true)} end`;
  const layer2 = `select n, ${int(plan.from)} + n * ${int(plan.slot)} + z0 % ${int(plan.slot)} as created,
      z1 as zs, z2 % 100 as zl, z3 as zo, z4 % ${int(plan.customers.count)} as zc,
      z5 % ${int(products.count)} as pb, z6 % ${int(stride)} as ps,
      z7 as q1z, z8 as q2z, z9 as q3z,
      z10 as zconf, z11 as zship, z12 as zcomp, z13 as zcanc, z14 % 100 as zpay, z15 as zpaid
    from (${draws(f, plan.seed, plan.orders, part)} ${f.fence}) l1`;
  const quantity = (z: string) => weightedCase(`${z} % 100`, shape.quantities, false);
  const layer3 = `select n, created, ${int(plan.until)} - created as gap, zs, ${weightedCase('zl', shape.lineCounts, false)} as lc, ${ownerCase} as owner_id,
      ${int(plan.customers.first)} + zc as customer_id,
      ${int(products.first)} + pb as p1, ${int(products.first)} + (pb + ps + 1) % ${int(products.count)} as p2, ${int(products.first)} + (pb + 2 * (ps + 1)) % ${int(products.count)} as p3,
      ${quantity('q1z')} as q1, ${quantity('q2z')} as q2, ${quantity('q3z')} as q3,
      (q1z / 100) % 100 < ${int(shape.discountPercent)} as d1, (q2z / 100) % 100 < ${int(shape.discountPercent)} as d2, (q3z / 100) % 100 < ${int(shape.discountPercent)} as d3,
      zconf, zship, zcomp, zcanc, zpay, zpaid
    from (${layer2} ${f.fence}) l2`;
  // Each later step lands a share of the time left before `until` (as in the app, never in the future).
  const layer4 = `select l3.*, ${statusCase} as status from (${layer3} ${f.fence}) l3`;
  const layer5 = `select l4.*, case when status in ('confirmed', 'shipped', 'completed') then created + zconf * ${smaller(String(2 * DAY), 'gap * 15 / 100')} / ${M} end as confirmed,
      case when status = 'cancelled' then created + zcanc * ${smaller(String(3 * DAY), 'gap * 20 / 100')} / ${M} end as cancelled
    from (${layer4} ${f.fence}) l4`;
  const layer6 = `select l5.*, case when status in ('shipped', 'completed') then confirmed + zship * ${smaller(String(5 * DAY), 'gap * 20 / 100')} / ${M} end as shipped
    from (${layer5} ${f.fence}) l5`;
  return `select l6.*, case when status = 'completed' then shipped + zcomp * ${smaller(String(10 * DAY), 'gap * 25 / 100')} / ${M} end as completed
    from (${layer6} ${f.fence}) l6`;
}

/** Adds prices, line totals, total, payment and signature parts: columns u1–u3, t1–t3, total, paid, paid_ms. */
function ordersWithPrices(f: Fragments, plan: GeneratedOrders, part: SeriesPart | undefined, products: string): string {
  const unit = (k: number) => `case when o.d${k} then (pr${k}.price * 95 + 50) / 100 else pr${k}.price end`;
  const priced = `select o.*, ${unit(1)} as u1, ${unit(2)} as u2, ${unit(3)} as u3
    from (${ordersWithoutPrices(f, plan, part)} ${f.fence}) o
    join ${products} pr1 on pr1.id = o.p1 join ${products} pr2 on pr2.id = o.p2 join ${products} pr3 on pr3.id = o.p3`;
  const totals = `select p.*, u1 * q1 as t1, case when lc >= 2 then u2 * q2 else 0 end as t2, case when lc >= 3 then u3 * q3 else 0 end as t3
    from (${priced} ${f.fence}) p`;
  const { partPaymentPercent } = plan.shape;
  const paid = `select t.*, t1 + t2 + t3 as total,
      case when status = 'completed' then t1 + t2 + t3
           when status = 'shipped' and zpay < ${int(partPaymentPercent.shipped)} then (t1 + t2 + t3 + 1) / 2
           when status = 'confirmed' and zpay < ${int(partPaymentPercent.confirmed)} then ((t1 + t2 + t3) * 3 + 5) / 10
           else 0 end as paid
    from (${totals} ${f.fence}) t`;
  return `select p.*, case when paid > 0 then coalesce(completed, shipped, confirmed) + zpaid * ${smaller(String(3 * DAY), 'gap * 10 / 100')} / ${M} end as paid_ms
    from (${paid} ${f.fence}) p`;
}

/**
 * Line numbers 1–3, joined after the orders: CROSS JOIN keeps SQLite from making the (fenced, expensive)
 * orders the inner loop, which it would materialize and scan once per line number.
 */
const LINE_NUMBERS = 'cross join (select 1 as k union all select 2 union all select 3) as lines';

export type GeneratedTable = 'orders' | 'order_items' | 'stock_movements' | 'ledger_entries';

export interface GenerationStatements {
  /** Computes every order (of the part) once into a temporary table, `seed_orders`, that the inserts read. */
  prepare: string;
  /** The INSERT … SELECT statements, in the order to run them. */
  inserts: { orders: string; items: string; movements: string; ledger: string };
  /** The same rows as SELECTs, per table in the order to write them, with the columns they fill. */
  selects: Array<{ table: GeneratedTable; columns: string; select: string }>;
  /** product_id, on_hand, reserved: the sums of the generated stock movements per product, read from `seed_orders`. */
  balances: string;
  cleanup: string;
}

export interface GenerationOptions {
  /** Only this share of the orders (PostgreSQL); default all. */
  part?: SeriesPart;
  /** A table (or temporary copy) with the products' id, price, sku and name; default `products`. */
  products?: string;
}

const SEED_ORDER_COLUMNS = 'n, customer_id, owner_id, status, lc, p1, p2, p3, q1, q2, q3, u1, u2, u3, total, paid, created, confirmed, shipped, completed, cancelled, paid_ms';
export const SEED_ORDER_COLUMN_NAMES = SEED_ORDER_COLUMNS.split(', ');
/** The columns of `seed_orders` holding times: text on SQLite, ms on PostgreSQL (Fragments.timesAsText). */
const TIME_COLUMNS = new Set(['created', 'confirmed', 'shipped', 'completed', 'cancelled', 'paid_ms']);

/**
 * The statements that generate the orders. Each order is computed once, into a temporary table: the lines and
 * journals recomputing the orders from the series instead cost more than writing and reading them back
 * (measured on PostgreSQL at 1 M orders: the stock movements and ledger statements were ~70 % recomputation).
 */
export function generatedOrderStatements(dialect: Dialect, plan: GeneratedOrders, options: GenerationOptions = {}): GenerationStatements {
  const f = FRAGMENTS[dialect];
  const products = options.products ?? 'products';
  const { ids } = plan;
  if (plan.products.count < 3) throw new Error('need at least 3 products');
  if (plan.owners.length === 0) throw new Error('need at least one owner');
  // Order n's year, and what turns n into its serial in that year: order numbers restart every year.
  const yearOf = (column: 'year' | 'offset') => {
    const value = (y: GeneratedOrders['years'][number]) => int(column === 'year' ? y.year : y.firstSerial - y.firstOrder);
    const last = plan.years[plan.years.length - 1];
    if (plan.years.length === 1) return value(last);
    return `case ${plan.years.slice(1).map((y, i) => `when n < ${int(y.firstOrder)} then ${value(plan.years[i])}`).join(' ')} else ${value(last)} end`;
  };
  const part = (k: number) => `(p${k} || 'x' || q${k} || '@' || u${k})`;
  const lt = (a: string, b: string) => `${a}${f.bytewise} < ${b}`;
  // createOrder's signature: sha256 of "customer|lines", the lines "productxquantity@price" sorted as strings.
  const [s1, s2, s3] = ['s1', 's2', 's3'];
  const join3 = (a: string, b: string, c: string) => `${a} || ',' || ${b} || ',' || ${c}`;
  const sorted = `case lc when 1 then s1
      when 2 then case when ${lt(s1, s2)} then s1 || ',' || s2 else s2 || ',' || s1 end
      else case when ${lt(s1, s2)}
        then case when ${lt(s2, s3)} then ${join3(s1, s2, s3)} when ${lt(s1, s3)} then ${join3(s1, s3, s2)} else ${join3(s3, s1, s2)} end
        else case when ${lt(s1, s3)} then ${join3(s2, s1, s3)} when ${lt(s2, s3)} then ${join3(s2, s3, s1)} else ${join3(s3, s2, s1)} end end end`;
  const versions = `case status when 'draft' then 1 when 'confirmed' then 2 when 'shipped' then 3 when 'completed' then 4 else 2 end + case when paid > 0 then 1 else 0 end`;
  /** ms → the app's text, NULL kept. */
  const stamp = (column: string) => `case when ${column} is null then null else ${f.iso(column)} end`;
  /** A time of `seed_orders` (or an expression over them) as the app's text; `nullable` keeps NULL. */
  const time = (value: string, nullable = false) => (f.timesAsText ? value : nullable ? stamp(value) : f.iso(value));
  const stored = SEED_ORDER_COLUMN_NAMES.map((column) => (f.timesAsText && TIME_COLUMNS.has(column) ? `${stamp(column)} as ${column}` : column));
  const prepare = `create temp table seed_orders as select ${stored.join(', ')} from (${ordersWithPrices(f, plan, options.part, products)} ${f.fence}) o`;
  const orders = `select ${int(ids.order)} + n, 'SO-' || ${yearOf('year')} || '-' || ${f.pad6(`n + ${yearOf('offset')}`)}, customer_id, owner_id, status, total, paid, null,
      ${f.sha256hex(`customer_id || '|' || ${sorted}`)}, ${versions},
      ${time('created')}, ${time('coalesce(paid_ms, completed, shipped, confirmed, cancelled, created)')},
      ${time('confirmed', true)}, ${time('shipped', true)}, ${time('completed', true)}, ${time('cancelled', true)}, lc
    from (select o.*, ${part(1)} as s1, ${part(2)} as s2, ${part(3)} as s3 from seed_orders o ${f.fence}) o`;
  const items = `select ${int(ids.item)} + 3 * l.n + l.k - 1, ${int(ids.order)} + l.n, l.k, l.product_id, p.sku, p.name, l.q, l.u, l.q * l.u
    from (select o.n, lines.k, ${pick3('lines.k', 'o.p')} as product_id, ${pick3('lines.k', 'o.q')} as q, ${pick3('lines.k', 'o.u')} as u
          from seed_orders o ${LINE_NUMBERS} where lines.k <= o.lc ${f.fence}) l
    join ${products} p on p.id = l.product_id`;
  // Confirmation reserves each line; shipping turns the reservation into goods out (reverses_id: the reserve).
  const movements = `select ${int(ids.movement)} + 2 * (3 * l.n + l.k - 1) + step.shipping, l.product_id, ${int(ids.order)} + l.n,
      case step.shipping when 0 then 'reserve' else 'ship' end, -step.shipping * l.q, case step.shipping when 0 then l.q else -l.q end,
      case step.shipping when 0 then null else ${int(ids.movement)} + 2 * (3 * l.n + l.k - 1) end, null, l.owner_id,
      ${time('case step.shipping when 0 then l.confirmed else l.shipped end')}
    from (select o.n, lines.k, o.owner_id, o.confirmed, o.shipped, ${pick3('lines.k', 'o.p')} as product_id, ${pick3('lines.k', 'o.q')} as q
          from seed_orders o ${LINE_NUMBERS} where lines.k <= o.lc and o.confirmed is not null ${f.fence}) l
    cross join (select 0 as shipping union all select 1) as step where step.shipping = 0 or l.shipped is not null`;
  // What those movements add up to per product (reserve: +q reserved; ship: -q on hand, -q reserved), summed from the
  // orders rather than from the 3 M written movements; the seed's tests hold products to their journals.
  const balances = `select product_id, sum(case when l.shipped is null then 0 else -l.q end) as on_hand, sum(case when l.shipped is null then l.q else 0 end) as reserved
    from (select o.shipped, ${pick3('lines.k', 'o.p')} as product_id, ${pick3('lines.k', 'o.q')} as q
          from seed_orders o ${LINE_NUMBERS} where lines.k <= o.lc and o.confirmed is not null ${f.fence}) l
    group by product_id`;
  const ledger = `select ${int(ids.ledger)} + 2 * o.n + step.payment, ${int(ids.order)} + o.n, o.customer_id, case step.payment when 0 then 'receivable' else 'payment' end,
      case step.payment when 0 then o.total else -o.paid end, null, null, o.owner_id, ${time('case step.payment when 0 then o.confirmed else o.paid_ms end')}
    from (select * from seed_orders where confirmed is not null ${f.fence}) o
    cross join (select 0 as payment union all select 1) as step where step.payment = 0 or o.paid > 0`;
  const selects: GenerationStatements['selects'] = [
    { table: 'orders', columns: 'id, number, customer_id, owner_id, status, total, paid, note, signature, version, created_at, updated_at, confirmed_at, shipped_at, completed_at, cancelled_at, line_count', select: orders },
    { table: 'order_items', columns: 'id, order_id, line_no, product_id, sku, name, quantity, unit_price, line_total', select: items },
    { table: 'stock_movements', columns: 'id, product_id, order_id, kind, on_hand_delta, reserved_delta, reverses_id, reason, actor_id, created_at', select: movements },
    { table: 'ledger_entries', columns: 'id, order_id, customer_id, kind, amount, reverses_id, note, actor_id, created_at', select: ledger },
  ];
  const insert = (k: number) => `insert into ${selects[k].table} (${selects[k].columns}) ${selects[k].select}`;
  return { prepare, inserts: { orders: insert(0), items: insert(1), movements: insert(2), ledger: insert(3) }, selects, balances, cleanup: 'drop table seed_orders' };
}

/**
 * `seed_orders` for seedOrderRows, with the types SQLite stores its values as: a virtual table hands JavaScript's
 * numbers over as floating point, which INTEGER affinity turns back into the integers the SQL computes.
 */
export const SEED_ORDER_TABLE = `create temp table seed_orders (${SEED_ORDER_COLUMN_NAMES
  .map((column) => `${column} ${column === 'status' || TIME_COLUMNS.has(column) ? 'text' : 'integer'}`)
  .join(', ')})`;

export type SeedOrderRow = Array<number | string | null>;

/**
 * `seed_orders` computed in JavaScript, row for row what `prepare` computes in SQL (bulk-generate.test compares the
 * two), in the order of SEED_ORDER_COLUMNS. For SQLite, whose VM spent ~16 µs per order on the layers above while
 * this and the virtual table it feeds cost a few; PostgreSQL keeps the SQL, where no row crosses the wire.
 * `prices[i]` is the price of product `plan.products.first + i`.
 *
 * Self-contained (it refers to nothing outside its body): the orders' worker thread (bulk-orders-aside.ts) runs it
 * from its source text. The SQL's 64-bit products would lose digits in a double, so they are split into 16-bit
 * halves; reductions mod 2^31 are bit masks (JavaScript's bitwise operators take any whole double mod 2^32 exactly,
 * and a mask is a few times cheaper than `%` on a double, which dominated the first version of this).
 */
export function* seedOrderRows(plan: GeneratedOrders, prices: number[]): Generator<SeedOrderRow, void, undefined> {
  const DAY = 86_400_000;
  const LOW31 = 0x7fffffff;
  /** (x · x / 2^15 + x) mod 2^31, x below 2^31: x² / 2^15 = high²·2^17 + 4·high·low + low² / 2^15. */
  const mix = (x: number) => {
    const high = x >>> 16;
    const low = x & 0xffff;
    return (((high * high) & 0x3fff) * 131_072 + ((high * low * 4) & LOW31) + ((low * low) >>> 15) + x) & LOW31;
  };
  /** z · span / 2^31 truncated as SQL's integer division does, z below 2^31 and |span| below 2^31. */
  const share = (z: number, span: number) => {
    const s = Math.abs(span);
    const high = (z >>> 16) * s;
    const part = Math.floor(high / 32_768) + Math.floor(((high % 32_768) * 65_536 + (z & 0xffff) * s) / 2_147_483_648);
    return span < 0 ? -part : part;
  };
  /** A weight set as cumulative bounds: the key whose range (0–99) `roll` falls in (weightedCase in SQL). */
  const table = <V>(weights: Record<string, number>, value: (key: string) => V) => {
    let bound = 0;
    return Object.entries(weights).map(([key, weight], i, all) => ({ below: i === all.length - 1 ? Infinity : (bound += weight), value: value(key) }));
  };
  const pick = <V>(rows: Array<{ below: number; value: V }>, roll: number) => {
    let i = 0;
    while (roll >= rows[i].below) i++;
    return rows[i].value;
  };
  const { shape, products, customers, owners } = plan;
  const lineCounts = table(shape.lineCounts, Number);
  const quantities = table(shape.quantities, Number);
  const brackets = shape.statusByAge.map((b, i, all) => ({ olderThan: i === all.length - 1 ? -Infinity : b.olderThanDays * DAY, statuses: table(b.weights, String) }));
  const stride = Math.max(1, Math.floor((products.count - 1) / 2));
  const ownerBounds = owners.map((_, i) => (i === owners.length - 1 ? Infinity : Math.floor(2_147_483_648 * ((i + 1) / owners.length) ** (2 / 3))));
  const { shipped: payShipped, confirmed: payConfirmed } = shape.partPaymentPercent;
  // ISO 8601 as toISOString writes it: the date part looked up per day (a few thousand at most), the time of day
  // put together from two- and three-digit strings; toISOString itself costs as much as SQLite's strftime.
  const days = new Map<number, string>();
  const digits = (width: number, count: number) => Array.from({ length: count }, (_, i) => String(i).padStart(width, '0'));
  const two = digits(2, 60);
  const three = digits(3, 1000);
  const iso = (ms: number | null) => {
    if (ms === null) return null;
    const day = Math.floor(ms / DAY);
    let date = days.get(day);
    if (date === undefined) days.set(day, (date = new Date(day * DAY).toISOString().slice(0, 11)));
    const t = ms - day * DAY;
    return `${date}${two[Math.floor(t / 3_600_000)]}:${two[Math.floor(t / 60_000) % 60]}:${two[Math.floor(t / 1000) % 60]}.${three[t % 1000]}Z`;
  };
  /** A line's unit price: the list price, or 5 % off when the line's draw says so. */
  const unit = (zq: number, price: number) => (Math.trunc(zq / 100) % 100 < shape.discountPercent ? Math.trunc((price * 95 + 50) / 100) : price);
  const seed = plan.seed & LOW31;
  const first = products.first;
  const z = new Int32Array(16);
  for (let n = 0; n < plan.orders; n++) {
    // (n · 2654435761 + seed) mod 2^31, n's high and low halves apart (2654435761 mod 2^31 = 506952113).
    const a = ((((n >>> 16) * 506_952_113) & 0x7fff) * 65_536 + (n & 0xffff) * 506_952_113 + seed) & LOW31;
    for (let s = 0; s < 16; s++) z[s] = (mix(mix((a + s * 1_103_515_245) & LOW31)) + s * 12_345) & LOW31;
    const created = plan.from + n * plan.slot + (z[0] % plan.slot);
    const gap = plan.until - created;
    const lc = pick(lineCounts, z[2] % 100);
    let o = 0;
    while (z[3] >= ownerBounds[o]) o++;
    const pb = z[5] % products.count;
    const ps = z[6] % stride;
    const p2 = (pb + ps + 1) % products.count;
    const p3 = (pb + 2 * (ps + 1)) % products.count;
    const q1 = pick(quantities, z[7] % 100);
    const q2 = pick(quantities, z[8] % 100);
    const q3 = pick(quantities, z[9] % 100);
    const u1 = unit(z[7], prices[pb]);
    const u2 = unit(z[8], prices[p2]);
    const u3 = unit(z[9], prices[p3]);
    let b = 0;
    while (!(gap > brackets[b].olderThan)) b++;
    const status = pick(brackets[b].statuses, z[1] % 100);
    const confirmed = status === 'confirmed' || status === 'shipped' || status === 'completed' ? created + share(z[10], Math.min(2 * DAY, Math.trunc((gap * 15) / 100))) : null;
    const cancelled = status === 'cancelled' ? created + share(z[13], Math.min(3 * DAY, Math.trunc((gap * 20) / 100))) : null;
    const shipped = confirmed !== null && (status === 'shipped' || status === 'completed') ? confirmed + share(z[11], Math.min(5 * DAY, Math.trunc((gap * 20) / 100))) : null;
    const completed = shipped !== null && status === 'completed' ? shipped + share(z[12], Math.min(10 * DAY, Math.trunc((gap * 25) / 100))) : null;
    const total = u1 * q1 + (lc >= 2 ? u2 * q2 : 0) + (lc >= 3 ? u3 * q3 : 0);
    const zpay = z[14] % 100;
    const paid =
      status === 'completed'
        ? total
        : status === 'shipped' && zpay < payShipped
          ? Math.trunc((total + 1) / 2)
          : status === 'confirmed' && zpay < payConfirmed
            ? Math.trunc((total * 3 + 5) / 10)
            : 0;
    const paidAt = paid > 0 ? (completed ?? shipped ?? confirmed ?? 0) + share(z[15], Math.min(3 * DAY, Math.trunc((gap * 10) / 100))) : null;
    yield [n, customers.first + (z[4] % customers.count), owners[o], status, lc, first + pb, first + p2, first + p3, q1, q2, q3, u1, u2, u3, total, paid, iso(created), iso(confirmed), iso(shipped), iso(completed), iso(cancelled), iso(paidAt)];
  }
}
