import type { Random } from './seeded-random.js';

/**
 * Name parts for generated customers: Chinese and Latin companies and people, so search is exercised in
 * both scripts. Combinations are many (a city and brand pair matches a handful of customers among 10,000).
 */
const CITIES = ['上海', '北京', '深圳', '广州', '杭州', '成都', '南京', '苏州', '武汉', '西安', '厦门', '青岛', '天津', '重庆', '宁波', '长沙'];
const BRANDS = ['明辉', '星辰', '华创', '恒达', '青禾', '天府', '金陵', '锦绣', '长江', '海韵', '蓝海', '港信', '东方', '湘江', '中原', '云岭', '鼎盛', '瑞丰', '嘉禾', '宏远', '新世纪', '博雅', '永安', '盛世', '百川', '汇通', '隆基', '正泰', '和谐', '光明'];
const INDUSTRIES = ['贸易', '科技', '电子', '物流', '茶业', '餐饮管理', '建材', '丝绸', '机械', '文化传播', '进出口', '水产', '供应链', '汽配', '纺织', '食品', '粮油', '花卉', '医疗器械', '家具'];
const COMPANY_SUFFIXES = ['有限公司', '有限公司', '有限公司', '股份有限公司', '商行'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗'];
const GIVEN_NAMES = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平', '刚', '桂英', '建华', '晓东', '子涵', '浩然', '欣怡', '宇轩'];
const LATIN_BRANDS = ['Northwind', 'Harbor', 'Blue Ridge', 'Maple Leaf', 'Redwood', 'Silverline', 'Greenfield', 'Atlas', 'Pacific Rim', 'Summit', 'Brightstar', 'Oakridge', 'Coastal', 'Evergreen', 'Lighthouse', 'Ironbridge', 'Crescent', 'Falcon', 'Granite', 'Horizon', 'Juniper', 'Keystone', 'Meridian', 'Nordic', 'Orchid', 'Pinecrest', 'Quantum', 'Riverside', 'Sterling', 'Westgate'];
const LATIN_NOUNS = ['Foods', 'Traders', 'Supplies', 'Logistics', 'Analytics', 'Outfitters', 'Hardware', 'Imports', 'Electronics', 'Furniture', 'Marine', 'Health', 'Books', 'Tools', 'Textiles', 'Motors', 'Pharma', 'Farms', 'Office', 'Design'];
const LATIN_SUFFIXES = ['Ltd', 'Inc.', 'LLC', 'GmbH', 'Co.', 'S.A.', 'B.V.'];
const FIRST_NAMES = ['John', 'Emily', 'Michael', 'Sarah', 'David', 'Laura', 'James', 'Anna', 'Pierre', 'Sofia', 'Lucas', 'Mia', 'Oliver', 'Chloe', 'Noah', 'Hannah', 'Mateo', 'Isabel', 'Liam', 'Yuki'];
const LAST_NAMES = ['Smith', 'Johnson', 'Brown', 'Davis', 'Wilson', 'Martinez', 'Taylor', 'Müller', 'Dubois', 'Rossi', 'García', 'Andersen', 'Kowalski', 'Novak', "O'Brien", 'Schmidt', 'Tanaka', 'Silva', 'Fischer', 'Moreau'];

/**
 * Fragments the benchmark searches for: `chinese` and `latin` each match a handful of customers of a 10,000-customer
 * seed; `broad` (a company suffix, one Latin company in seven) matches about 5 % of the customers, and so of the orders.
 */
export const SEARCH_SAMPLES = { chinese: `${CITIES[0]}${BRANDS[0]}`, latin: `${LATIN_BRANDS[1]} ${LATIN_NOUNS[0]}`, broad: LATIN_SUFFIXES[0] } as const;

export interface SampleCustomer {
  name: string;
  phone: string;
  email: string;
}

const digits = (random: Random, count: number) => Array.from({ length: count }, () => random.int(0, 9)).join('');
const slug = (text: string) => text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const chinaMobile = (random: Random) => `+86 1${random.int(3, 9)}${random.int(0, 9)} ${digits(random, 4)} ${digits(random, 4)}`;
const westernPhone = (random: Random) => (random.chance(0.5) ? `+1 ${random.int(201, 989)} 555 ${digits(random, 4)}` : `+44 20 ${digits(random, 4)} ${digits(random, 4)}`);

/** The `serial` keeps generated e-mail addresses unique even when names repeat. */
export function sampleCustomer(random: Random, serial: number): SampleCustomer {
  const kind = random.weighted({ chineseCompany: 35, chinesePerson: 15, latinCompany: 35, latinPerson: 15 });
  if (kind === 'chineseCompany') {
    const name = `${random.pick(CITIES)}${random.pick(BRANDS)}${random.pick(INDUSTRIES)}${random.pick(COMPANY_SUFFIXES)}`;
    return { name, phone: chinaMobile(random), email: `purchasing${serial}@company.example.cn` };
  }
  if (kind === 'chinesePerson') {
    return { name: `${random.pick(SURNAMES)}${random.pick(GIVEN_NAMES)}`, phone: chinaMobile(random), email: `buyer${serial}@mail.example.cn` };
  }
  if (kind === 'latinCompany') {
    const brand = random.pick(LATIN_BRANDS);
    const name = `${brand} ${random.pick(LATIN_NOUNS)} ${random.pick(LATIN_SUFFIXES)}`;
    return { name, phone: westernPhone(random), email: `orders${serial}@${slug(brand)}.example.com` };
  }
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  return { name: `${first} ${last}`, phone: westernPhone(random), email: `${slug(first)}.${slug(last)}${serial}@example.com` };
}

const PRODUCT_LINES: Array<{ code: string; names: string[]; price: [number, number] }> = [
  { code: 'OFF', names: ['A4 复印纸 Copy Paper', '中性笔 Gel Pen', '文件夹 Document Folder', '订书机 Stapler', '便利贴 Sticky Notes'], price: [300, 9_900] },
  { code: 'FUR', names: ['人体工学椅 Ergonomic Chair', '升降桌 Standing Desk', '文件柜 Filing Cabinet', '会议桌 Meeting Table'], price: [29_900, 459_900] },
  { code: 'ELE', names: ['无线鼠标 Wireless Mouse', '机械键盘 Mechanical Keyboard', '27寸显示器 27" Monitor', '扩展坞 USB-C Dock', '降噪耳机 ANC Headset'], price: [5_900, 329_900] },
  { code: 'TEA', names: ['龙井茶 Longjing Tea 250g', '普洱茶饼 Pu-erh Cake 357g', '茉莉花茶 Jasmine Tea', '乌龙茶 Oolong Tea'], price: [4_800, 98_000] },
  { code: 'PKG', names: ['纸箱 Carton Box', '气泡膜 Bubble Wrap', '封箱胶带 Packing Tape', '托盘 Pallet'], price: [200, 19_900] },
];

export interface SampleProduct {
  sku: string;
  name: string;
  /** Minor units. */
  price: number;
}

export function sampleProduct(random: Random, serial: number): SampleProduct {
  const line = random.pick(PRODUCT_LINES);
  const [low, high] = line.price;
  // Prices end in .00, .50 or .90 like real price lists.
  const price = Math.round(random.int(low, high) / 100) * 100 + random.pick([0, 50, 90]);
  return { sku: `${line.code}-${String(serial).padStart(6, '0')}`, name: `${random.pick(line.names)} #${serial}`, price };
}
