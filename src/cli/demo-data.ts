import { fromMinor, toMinor } from '../contracts/common.js';
import { ORDER_STATUSES, type OrderStatus } from '../contracts/orders.js';
import type { BuiltinRole } from '../contracts/permissions.js';
import type { Ctx } from '../server/db/context.js';
import { createRule } from '../server/modules/cleanup/cleanup.service.js';
import { createCustomer } from '../server/modules/customers/customers.service.js';
import { createOrder, recordOrderPayment, transitionOrder } from '../server/modules/orders/orders.service.js';
import { createProduct } from '../server/modules/products/products.service.js';
import { accessOf } from '../server/modules/users/roles.queries.js';
import { createUser } from '../server/modules/users/users.service.js';
import { deleteOrder, deleteOrders, previewDeletion } from '../server/modules/deletion/deletion.service.js';
import { dispatchOutbox } from '../server/modules/notifications/notifications.dispatcher.js';
import { createRestoreRequest } from '../server/modules/recycle-bin/restore-requests.service.js';
import { systemActor, type Actor } from '../server/platform/actor.js';
import { createRandom, type Random } from './seeded-random.js';

/**
 * The demo data set: a year of a small trading company's order book, created through the same services the
 * API uses (so the stock journal, the ledger and the audit chain are all consistent), then backdated.
 * Only the order, journal, customer and product timestamps are backdated: the audit log keeps the real
 * load time, because rewriting it would break its hash chain.
 */

/** Used for `admin` when `npm run demo` creates a fresh database and ORDERLY_ADMIN_PASSWORD is unset. */
export const DEMO_ADMIN_PASSWORD = 'orderly-demo';

export interface DemoUser {
  username: string;
  displayName: string;
  role: BuiltinRole;
  password: string;
  /** When not the ones the role suggests. */
  departments?: string[];
}

/** One user per built-in role besides `admin`; the passwords are documented in the README and printed by `demo`. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'manager', displayName: '马丽 Ma Li (Sales manager)', role: 'sales_manager', password: 'manager-demo-1' },
  { username: 'rep1', displayName: '王伟 Wang Wei', role: 'sales_rep', password: 'rep1-demo-1' },
  { username: 'rep2', displayName: 'Emily Carter', role: 'sales_rep', password: 'rep2-demo-1' },
  { username: 'warehouse', displayName: '仓库 张强 Zhang Qiang', role: 'warehouse', password: 'warehouse-demo-1' },
  { username: 'finance', displayName: 'David Lee (Finance)', role: 'finance', password: 'finance-demo-1' },
  // Internal audit sits with finance in the demo company: it hears what finance hears (confirmed orders, money
  // reversed by a deletion), so the auditor's inbox shows what an auditor would look into. No role suggests a
  // department for auditors, who would otherwise be told nothing.
  { username: 'auditor', displayName: '审计 陈静 Chen Jing', role: 'auditor', password: 'auditor-demo-1', departments: ['finance'] },
];

const DEMO_SEED = 20_240_601;
export const DEMO_ORDER_COUNT = 500;
/** Orders added for the cleanup pages: three stale drafts and two pairs of likely duplicates. */
export const DEMO_CLEANUP_ORDERS = 7;
const DAY = 86_400_000;

/** [name, phone, email]: Chinese and international companies and people. */
const DEMO_CUSTOMERS: ReadonlyArray<readonly [string, string, string | null]> = [
  ['上海明辉贸易有限公司', '+86 21 6288 1234', 'purchasing@minghui-trading.example.cn'],
  ['北京星辰科技有限公司', '+86 10 8456 2200', 'caigou@xingchen-tech.example.cn'],
  ['深圳华创电子有限公司', '+86 755 2661 8899', 'order@huachuang.example.cn'],
  ['广州恒达物流有限公司', '+86 20 3788 6612', 'ops@hengda-logistics.example.cn'],
  ['杭州青禾茶业有限公司', '+86 571 8702 3456', 'tea@qinghe.example.cn'],
  ['成都天府餐饮管理有限公司', '+86 28 8555 0101', 'admin@tianfu-catering.example.cn'],
  ['南京金陵建材有限公司', '+86 25 8470 3321', 'sales@jinling-bm.example.cn'],
  ['苏州锦绣丝绸有限公司', '+86 512 6523 7788', 'silk@jinxiu.example.cn'],
  ['武汉长江机械有限公司', '+86 27 8577 9090', 'buy@changjiang-mech.example.cn'],
  ['西安古城文化传播有限公司', '+86 29 8765 4321', 'hello@gucheng-media.example.cn'],
  ['厦门海韵进出口有限公司', '+86 592 506 1188', 'trade@haiyun.example.cn'],
  ['青岛蓝海水产有限公司', '+86 532 8090 6677', 'seafood@lanhai.example.cn'],
  ['天津港信供应链有限公司', '+86 22 2576 3300', 'scm@gangxin.example.cn'],
  ['重庆山城汽配有限公司', '+86 23 6388 1200', 'parts@shancheng.example.cn'],
  ['宁波东方纺织有限公司', '+86 574 8735 2020', 'textile@dongfang.example.cn'],
  ['长沙湘江食品有限公司', '+86 731 8228 5566', 'food@xiangjiang.example.cn'],
  ['郑州中原粮油有限公司', '+86 371 6590 4433', 'grain@zhongyuan.example.cn'],
  ['昆明云岭花卉有限公司', '+86 871 6313 7700', 'flowers@yunling.example.cn'],
  ['大连星海船舶配件有限公司', '+86 411 8479 2211', 'marine@xinghai.example.cn'],
  ['合肥科大智能设备有限公司', '+86 551 6360 8800', 'iot@keda-smart.example.cn'],
  ['福州闽江电器股份有限公司', '+86 591 8755 1010', 'dq@minjiang.example.cn'],
  ['济南泉城办公用品商行', '+86 531 8690 3434', null],
  ['沈阳北方重工配件有限公司', '+86 24 2251 7676', 'heavy@beifang.example.cn'],
  ['哈尔滨冰城商贸有限公司', '+86 451 8260 9191', 'trade@bingcheng.example.cn'],
  ['王伟', '+86 138 0013 8000', 'wangwei@mail.example.cn'],
  ['李娜', '+86 139 1024 5678', 'lina@mail.example.cn'],
  ['张敏', '+86 137 6655 2231', null],
  ['刘洋', '+86 136 2211 8907', 'liuyang@mail.example.cn'],
  ['陈静', '+86 135 9876 5432', 'chenjing@mail.example.cn'],
  ['杨磊', '+86 186 0101 2323', null],
  ['赵丽', '+86 158 3344 5566', 'zhaoli@mail.example.cn'],
  ['黄强', '+86 189 7788 9900', 'huangqiang@mail.example.cn'],
  ['Northwind Traders Ltd', '+44 20 7946 0958', 'orders@northwind.example.com'],
  ['Harbor Foods Inc.', '+1 415 555 0134', 'purchasing@harborfoods.example.com'],
  ['Blue Ridge Outfitters', '+1 828 555 0199', 'buyers@blueridge.example.com'],
  ['Maple Leaf Supplies', '+1 604 555 0147', 'supply@mapleleaf.example.com'],
  ['Redwood Analytics LLC', '+1 707 555 0112', 'office@redwood.example.com'],
  ['Silverline Logistics', '+44 161 496 0321', 'ops@silverline.example.com'],
  ['Greenfield Farms Co.', '+1 515 555 0176', 'farm@greenfield.example.com'],
  ['Atlas Hardware GmbH', '+49 30 901820', 'einkauf@atlas-hardware.example.com'],
  ['Pacific Rim Imports', '+1 206 555 0188', 'imports@pacificrim.example.com'],
  ['Summit Office Supplies', '+1 303 555 0165', 'orders@summitoffice.example.com'],
  ['Brightstar Electronics', '+65 6123 4567', 'procure@brightstar.example.com'],
  ['Oakridge Furniture', '+1 865 555 0120', 'hello@oakridge.example.com'],
  ['Coastal Marine Supply', '+61 2 9876 5432', 'marine@coastal.example.com'],
  ['Evergreen Health Products', '+1 503 555 0143', 'buying@evergreen.example.com'],
  ['Lighthouse Books', '+353 1 555 0110', 'books@lighthouse.example.com'],
  ['Ironbridge Tools Ltd', '+44 1952 555 012', 'tools@ironbridge.example.com'],
  ['Juniper & Sons Café', '+1 212 555 0171', 'cafe@juniper.example.com'],
  ['John Smith', '+1 617 555 0102', 'john.smith@example.com'],
  ['Emily Johnson', '+1 312 555 0155', 'emily.johnson@example.com'],
  ['Michael Brown', '+44 20 7946 0123', 'm.brown@example.com'],
  ['Sarah Davis', '+1 512 555 0190', null],
  ['Laura Martínez', '+34 91 555 0134', 'laura.martinez@example.com'],
  ['Anna Müller', '+49 89 555 0166', 'anna.mueller@example.com'],
  ['Pierre Dubois', '+33 1 55 50 01 23', 'pierre.dubois@example.com'],
  ['Sofia Rossi', '+39 02 5550 1234', 'sofia.rossi@example.com'],
];

/** [sku, name, price in minor units, opening stock]. */
const DEMO_PRODUCTS: ReadonlyArray<readonly [string, string, number, number]> = [
  ['OFF-PAPER-A4', 'A4 复印纸 Copy Paper (500 sheets)', 2_990, 5_000],
  ['OFF-PEN-GEL', '中性笔 Gel Pen (box of 12)', 1_800, 4_000],
  ['OFF-FOLDER', '文件夹 Document Folder', 650, 3_000],
  ['OFF-STAPLER', '订书机 Heavy-duty Stapler', 4_500, 1_500],
  ['OFF-NOTES', '便利贴 Sticky Notes (pack of 6)', 1_290, 3_500],
  ['FUR-CHAIR-ERG', '人体工学椅 Ergonomic Chair', 129_900, 800],
  ['FUR-DESK-STAND', '升降桌 Standing Desk', 259_900, 600],
  ['FUR-CABINET', '文件柜 Filing Cabinet', 89_900, 700],
  ['FUR-TABLE-MEET', '会议桌 Meeting Table (8 seats)', 459_900, 400],
  ['ELE-MOUSE-WL', '无线鼠标 Wireless Mouse', 9_900, 2_500],
  ['ELE-KB-MECH', '机械键盘 Mechanical Keyboard', 39_900, 1_500],
  ['ELE-MON-27', '27寸显示器 27" 4K Monitor', 219_900, 700],
  ['ELE-DOCK-USBC', '扩展坞 USB-C Dock', 49_900, 1_200],
  ['ELE-HEADSET', '降噪耳机 ANC Headset', 89_900, 900],
  ['ELE-WEBCAM', '高清摄像头 HD Webcam', 29_900, 1_200],
  ['TEA-LONGJING', '龙井茶 Longjing Tea 250g', 36_800, 1_500],
  ['TEA-PUER', '普洱茶饼 Pu-erh Cake 357g', 58_000, 1_000],
  ['TEA-JASMINE', '茉莉花茶 Jasmine Tea 200g', 9_800, 2_000],
  ['TEA-OOLONG', '乌龙茶 Oolong Tea 250g', 16_800, 1_800],
  ['TEA-GIFTSET', '茶礼盒 Tea Gift Set', 128_000, 600],
  ['PKG-CARTON-M', '纸箱 Carton Box (M, 20 pcs)', 3_600, 4_000],
  ['PKG-BUBBLE', '气泡膜 Bubble Wrap 50m', 4_900, 3_000],
  ['PKG-TAPE', '封箱胶带 Packing Tape (6 rolls)', 2_400, 4_000],
  ['PKG-PALLET', '托盘 Wooden Pallet', 15_900, 1_000],
  ['KIT-KETTLE', '电热水壶 Electric Kettle', 19_900, 1_200],
  ['KIT-COFFEE', '咖啡机 Espresso Machine', 329_900, 400],
  ['KIT-CUPS', '陶瓷杯 Ceramic Cups (set of 6)', 8_800, 2_000],
  ['SAF-GLOVES', '劳保手套 Work Gloves (12 pairs)', 3_200, 3_000],
  ['SAF-HELMET', '安全帽 Safety Helmet', 5_500, 2_000],
  ['SAF-FIRSTAID', '急救箱 First-aid Kit', 12_900, 1_500],
];

/** The start of the current UTC month: the demo year ends there, so a reload in the same month is identical. */
export function demoAnchor(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

async function actorOf(ctx: Ctx, username: string): Promise<Actor> {
  const user = await ctx.kysely.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  const { permissions } = await accessOf(ctx.kysely, user.id);
  return { type: 'user', userId: user.id, name: username, permissions, ip: null, userAgent: 'orderly demo loader', requestId: null };
}

/** Creates the demo users that do not exist yet (never touches existing accounts or their passwords). */
export async function ensureDemoUsers(ctx: Ctx): Promise<string[]> {
  const existing = new Set((await ctx.kysely.selectFrom('users').select('username').execute()).map((u) => u.username));
  const created: string[] = [];
  for (const user of DEMO_USERS) {
    if (existing.has(user.username)) continue;
    await createUser(ctx, systemActor('demo loader'), {
      username: user.username,
      password: user.password,
      displayName: user.displayName,
      roles: [user.role],
      ...(user.departments ? { departments: user.departments } : {}),
    });
    created.push(user.username);
  }
  return created;
}

export async function hasOrders(ctx: Ctx): Promise<boolean> {
  return (await ctx.kysely.selectFrom('orders').select('id').limit(1).executeTakeFirst()) !== undefined;
}

type Owner = 'rep1' | 'rep2' | 'manager' | 'admin';

interface PlannedOrder {
  createdAt: number;
  owner: Owner;
  customer: number;
  lines: Array<{ product: number; quantity: number; discount: boolean }>;
  status: OrderStatus;
  /** For cancelled orders: whether they were confirmed first (then stock and receivable are reversed). */
  cancelledAfterConfirm: boolean;
  /** Fractions of the total paid: a deposit after confirmation, the rest after completion. */
  deposit: number;
  settle: boolean;
  /** Random draws in [0, 1) that place each later step between creation and the end of the demo year. */
  jitter: [number, number, number, number];
}

/** The demo year's orders, oldest first; older orders have mostly run their course, recent ones are in flight. */
function planOrders(random: Random, anchor: Date): PlannedOrder[] {
  const start = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 12, 1);
  const days = Math.round((anchor.getTime() - start) / DAY);
  const times = Array.from({ length: DEMO_ORDER_COUNT }, () => start + random.int(0, days - 1) * DAY + random.int(1 * 3600, 11 * 3600) * 1000).sort((a, b) => a - b);
  return times.map((createdAt) => {
    const ageDays = (anchor.getTime() - createdAt) / DAY;
    const status: OrderStatus =
      ageDays > 90
        ? random.weighted({ completed: 82, cancelled: 10, shipped: 4, confirmed: 2, draft: 2 })
        : ageDays > 30
          ? random.weighted({ completed: 45, shipped: 22, confirmed: 15, cancelled: 10, draft: 8 })
          : random.weighted({ draft: 30, confirmed: 30, shipped: 18, completed: 10, cancelled: 12 });
    const lineCount = Number(random.weighted({ '1': 35, '2': 30, '3': 20, '4': 15 }));
    const products = random.sample(DEMO_PRODUCTS.map((_, i) => i), lineCount);
    const cancelledAfterConfirm = status === 'cancelled' && random.chance(0.5);
    const paymentsAllowed = status === 'confirmed' || status === 'shipped' || status === 'completed';
    return {
      createdAt,
      owner: random.weighted<Owner>({ rep1: 38, rep2: 32, manager: 20, admin: 10 }),
      customer: random.int(0, DEMO_CUSTOMERS.length - 1),
      lines: products.map((product) => ({ product, quantity: Number(random.weighted({ '1': 30, '2': 25, '3': 15, '5': 15, '10': 10, '20': 5 })), discount: random.chance(0.15) })),
      status,
      cancelledAfterConfirm,
      deposit: paymentsAllowed && random.chance(status === 'confirmed' ? 0.25 : 0.4) ? 0.3 : 0,
      settle: status === 'completed' ? random.chance(0.9) : status === 'shipped' ? random.chance(0.3) : false,
      jitter: [random.next(), random.next(), random.next(), random.next()],
    };
  });
}

interface Stamps {
  created: string;
  confirmed: string | null;
  shipped: string | null;
  completed: string | null;
  cancelled: string | null;
  payments: string[];
  updated: string;
}

/** Each step lands a share of the time left before the anchor after the previous one, so no stamp is in the future. */
function stampsOf(plan: PlannedOrder, anchor: Date): Stamps {
  const gap = anchor.getTime() - plan.createdAt;
  const [j1, j2, j3, j4] = plan.jitter;
  const iso = (t: number) => new Date(Math.floor(t)).toISOString();
  const confirmed = plan.status !== 'draft' && (plan.status !== 'cancelled' || plan.cancelledAfterConfirm) ? plan.createdAt + j1 * Math.min(2 * DAY, gap * 0.15) : null;
  const shipped = plan.status === 'shipped' || plan.status === 'completed' ? confirmed! + j2 * Math.min(5 * DAY, gap * 0.2) : null;
  const completed = plan.status === 'completed' ? shipped! + j3 * Math.min(10 * DAY, gap * 0.25) : null;
  const cancelled = plan.status === 'cancelled' ? (confirmed ?? plan.createdAt) + j2 * Math.min(5 * DAY, gap * 0.2) : null;
  const payments: number[] = [];
  if (plan.deposit > 0) payments.push(confirmed! + j4 * Math.min(DAY, gap * 0.05) + 60_000);
  if (plan.settle) payments.push((completed ?? shipped ?? confirmed)! + j4 * Math.min(5 * DAY, gap * 0.1) + 60_000);
  const last = Math.max(plan.createdAt, confirmed ?? 0, shipped ?? 0, completed ?? 0, cancelled ?? 0, ...payments);
  return {
    created: iso(plan.createdAt),
    confirmed: confirmed === null ? null : iso(confirmed),
    shipped: shipped === null ? null : iso(shipped),
    completed: completed === null ? null : iso(completed),
    cancelled: cancelled === null ? null : iso(cancelled),
    payments: payments.map(iso),
    updated: iso(last),
  };
}

export interface DemoSummary {
  customers: number;
  products: number;
  orders: number;
  byStatus: Record<OrderStatus, number>;
}

/**
 * Loads the demo data set into a database that has the built-in roles and `admin` (see bootstrap).
 * Deterministic: the same anchor month gives the same customers, products, order numbers, totals and statuses.
 */
export async function loadDemoData(ctx: Ctx, options: { anchor?: Date } = {}): Promise<DemoSummary> {
  const anchor = options.anchor ?? demoAnchor();
  await ensureDemoUsers(ctx);
  const actors = Object.fromEntries(
    await Promise.all(['admin', 'manager', 'rep1', 'rep2', 'warehouse', 'finance'].map(async (name) => [name, await actorOf(ctx, name)] as const)),
  ) as Record<Owner | 'warehouse' | 'finance', Actor>;
  const random = createRandom(DEMO_SEED);

  const customerIds: string[] = [];
  for (const [name, phone, email] of DEMO_CUSTOMERS) {
    customerIds.push((await createCustomer(ctx, actors.manager, { name, phone, email: email ?? undefined })).id);
  }
  const products: Array<{ id: string; price: number }> = [];
  for (const [sku, name, price, stock] of DEMO_PRODUCTS) {
    products.push({ id: (await createProduct(ctx, actors.admin, { sku, name, price: fromMinor(price), stock })).id, price });
  }

  const plans = planOrders(random, anchor);
  const byStatus = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
  const placed: Array<{ id: number; stamps: Stamps }> = [];
  for (const plan of plans) {
    const owner = actors[plan.owner];
    const order = await createOrder(ctx, owner, {
      customerId: customerIds[plan.customer],
      items: plan.lines.map((l) => ({
        productId: products[l.product].id,
        quantity: l.quantity,
        // A negotiated 5 % off on some lines, so not every price is the list price.
        ...(l.discount ? { unitPrice: fromMinor(Math.round(products[l.product].price * 0.95)) } : {}),
      })),
    });
    const id = Number(order.id);
    const total = toMinor(order.total);
    const confirmed = plan.status !== 'draft' && (plan.status !== 'cancelled' || plan.cancelledAfterConfirm);
    if (confirmed) await transitionOrder(ctx, owner, id, 'confirm', undefined);
    const deposit = Math.round(total * plan.deposit);
    if (deposit > 0) await recordOrderPayment(ctx, actors.finance, id, { amount: fromMinor(deposit), note: 'deposit' });
    if (plan.status === 'shipped' || plan.status === 'completed') await transitionOrder(ctx, actors.warehouse, id, 'ship', undefined);
    if (plan.status === 'completed') await transitionOrder(ctx, actors.warehouse, id, 'complete', undefined);
    if (plan.settle) await recordOrderPayment(ctx, actors.finance, id, { amount: fromMinor(total - deposit), note: 'balance' });
    if (plan.status === 'cancelled') {
      const by = plan.owner === 'admin' ? actors.admin : actors.manager;
      await transitionOrder(ctx, plan.cancelledAfterConfirm ? by : owner, id, 'cancel', undefined, 'customer changed their mind');
    }
    byStatus[plan.status]++;
    placed.push({ id, stamps: stampsOf(plan, anchor) });
  }
  await backdate(ctx, { orders: placed, customerIds: customerIds.map(Number), productIds: products.map((p) => Number(p.id)) }, new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 12, 1) - 14 * DAY).toISOString());
  const cleanupOrders = await loadDemoCleanup(ctx, actors, customerIds, products, anchor);
  byStatus.draft += cleanupOrders;
  await seedDemoInbox(ctx, actors, { rep1: actors.rep1.userId!, rep2: actors.rep2.userId!, manager: actors.manager.userId! });
  return { customers: customerIds.length, products: products.length, orders: plans.length + cleanupOrders, byStatus };
}

/**
 * What the cleanup and data-quality pages show on a fresh demo: drafts nobody touched for weeks, two orders entered
 * twice within minutes, and one rule that finds the stale drafts every Monday morning.
 */
async function loadDemoCleanup(ctx: Ctx, actors: Record<Owner, Actor>, customerIds: string[], products: Array<{ id: string }>, anchor: Date): Promise<number> {
  const at = (ms: number) => new Date(anchor.getTime() - ms).toISOString();
  const stamp = async (id: string, iso: string) => {
    await ctx.kysely.updateTable('orders').set({ created_at: iso, updated_at: iso }).where('id', '=', Number(id)).execute();
  };
  let created = 0;
  for (const [i, owner] of (['rep1', 'rep2', 'rep1'] as const).entries()) {
    const order = await createOrder(ctx, actors[owner], { customerId: customerIds[3 + i], items: [{ productId: products[i].id, quantity: 1 + i }], note: 'quote the customer never answered' });
    await stamp(order.id, at((45 + i * 9) * DAY));
    created++;
  }
  for (const [i, owner] of (['rep2', 'manager'] as const).entries()) {
    const items = [{ productId: products[5 + i].id, quantity: 3 }];
    const first = await createOrder(ctx, actors[owner], { customerId: customerIds[10 + i], items });
    const second = await createOrder(ctx, actors[owner], { customerId: customerIds[10 + i], items });
    await stamp(first.id, at((3 + i) * DAY));
    await stamp(second.id, at((3 + i) * DAY - 4 * 60_000));
    created += 2;
  }
  await createRule(ctx, actors.admin, { name: 'Stale drafts (30 days untouched)', match: { status: ['draft'], untouchedDays: 30 }, schedule: '0 9 * * 1', enabled: true, graceDays: 3 });
  return created;
}

/**
 * Spreads the orders over the demo year. Numbers stay as issued (numbers are never rewritten); the journal
 * entries of each order move with the step that wrote them, so monthly reports match the order dates.
 */
async function backdate(
  ctx: Ctx,
  loaded: { orders: Array<{ id: number; stamps: Stamps }>; customerIds: number[]; productIds: number[] },
  masterDataAt: string,
): Promise<void> {
  await ctx.kysely.transaction().execute(async (trx) => {
    const payments = await trx.selectFrom('ledger_entries').select(['id', 'order_id']).where('kind', '=', 'payment').orderBy('id').execute();
    for (const { id, stamps } of loaded.orders) {
      await trx
        .updateTable('orders')
        .set({ created_at: stamps.created, updated_at: stamps.updated, confirmed_at: stamps.confirmed, shipped_at: stamps.shipped, completed_at: stamps.completed, cancelled_at: stamps.cancelled })
        .where('id', '=', id)
        .execute();
      const moves: Array<[string, string | null]> = [['reserve', stamps.confirmed], ['ship', stamps.shipped], ['release', stamps.cancelled]];
      for (const [kind, at] of moves) {
        if (at) await trx.updateTable('stock_movements').set({ created_at: at }).where('order_id', '=', id).where('kind', '=', kind).execute();
      }
      const entries: Array<[string, string | null]> = [['receivable', stamps.confirmed], ['reversal', stamps.cancelled]];
      for (const [kind, at] of entries) {
        if (at) await trx.updateTable('ledger_entries').set({ created_at: at }).where('order_id', '=', id).where('kind', '=', kind).execute();
      }
      const own = payments.filter((p) => p.order_id === id);
      for (const [i, payment] of own.entries()) await trx.updateTable('ledger_entries').set({ created_at: stamps.payments[i] }).where('id', '=', payment.id).execute();
    }
    await trx.updateTable('customers').set({ created_at: masterDataAt, updated_at: masterDataAt }).where('id', 'in', loaded.customerIds).execute();
    await trx.updateTable('products').set({ created_at: masterDataAt, updated_at: masterDataAt }).where('id', 'in', loaded.productIds).execute();
    await trx.updateTable('stock_movements').set({ created_at: masterDataAt }).where('kind', '=', 'receive').where('product_id', 'in', loaded.productIds).execute();
  });
}

/**
 * A year of history would bury every inbox under thousands of notifications: the history counts as told, and
 * only the latest events are delivered. Then a little of today's work, through the same services the API uses,
 * so each demo user opens an inbox with a handful of recent notices of every kind: a rep deletes a draft entered
 * by mistake and asks for it back (the sales team and the approvers hear of it), the warehouse ships one of the
 * manager's own orders (the owner and finance hear of it), and the manager deletes two of rep2's confirmed orders
 * as duplicates in one go (one grouped notice each for sales, warehouse and finance).
 */
async function seedDemoInbox(ctx: Ctx, actors: Record<'manager' | 'rep1' | 'warehouse', Actor>, owners: { rep1: number; rep2: number; manager: number }): Promise<void> {
  const latest = await ctx.kysely.selectFrom('outbox').select('id').orderBy('id', 'desc').limit(40).execute();
  const oldest = latest.at(-1)?.id;
  if (oldest !== undefined) await ctx.kysely.updateTable('outbox').set({ delivered_at: new Date().toISOString() }).where('id', '<', oldest).where('delivered_at', 'is', null).execute();

  const newest = (ownerId: number, status: OrderStatus, n: number) =>
    ctx.kysely.selectFrom('orders').select('id').where('owner_id', '=', ownerId).where('status', '=', status).where('paid', '=', 0).where('deleted_at', 'is', null).orderBy('id', 'desc').limit(n).execute();
  const [draft] = await newest(owners.rep1, 'draft', 1);
  if (draft) {
    await deleteOrder(ctx, actors.rep1, draft.id, { code: 'entry_error', note: '客户名称录错' }, undefined);
    await createRestoreRequest(ctx, actors.rep1, { ids: [String(draft.id)], note: '客户确认仍要这批货' });
  }
  const [toShip] = await ctx.kysely.selectFrom('orders').select('id').where('owner_id', '=', owners.manager).where('status', '=', 'confirmed').where('deleted_at', 'is', null).orderBy('id', 'desc').limit(1).execute();
  if (toShip) await transitionOrder(ctx, actors.warehouse, toShip.id, 'ship', undefined);
  const duplicates = (await newest(owners.rep2, 'confirmed', 2)).map((o) => String(o.id));
  if (duplicates.length > 0) {
    const preview = await previewDeletion(ctx, actors.manager, { ids: duplicates });
    await deleteOrders(ctx, actors.manager, { ids: duplicates, reason: { code: 'duplicate' }, previewToken: preview.previewToken });
  }
  await dispatchOutbox(ctx);
}
