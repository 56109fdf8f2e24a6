/**
 * Reasons the server stores in English or as codes (stock movements the system writes, purges, and the
 * `code: note` of a deletion in the audit log), shown in the reader's language. Free text a person typed is
 * shown as typed. `reasonsZhCN` is typed from `reasonsEn`, so a key missing in either language fails the type check.
 */
export const reasonsEn = {
  /** Exactly the texts the server writes (journals, recycle bin, purge job). */
  system: {
    'opening stock': 'Opening stock',
    'order cancelled': 'Order cancelled',
    'order deleted': 'Order deleted',
    'order restored': 'Order restored',
    'purged from the recycle bin': 'Purged from the recycle bin',
    'retention period ended': 'Retention period ended',
  } as Record<string, string>,
  withNote: (label: string, note: string) => `${label}: ${note}`,
};

export const reasonsZhCN: typeof reasonsEn = {
  system: {
    'opening stock': '期初库存',
    'order cancelled': '订单已取消',
    'order deleted': '订单已删除',
    'order restored': '订单已恢复',
    'purged from the recycle bin': '已从回收站永久清除',
    'retention period ended': '保留期已满',
  },
  withNote: (label, note) => `${label}：${note}`,
};

type Reasons = typeof reasonsEn;

/**
 * A stored reason in the reader's language: a known system text, or a delete reason `code` / `code: note`
 * (labels from the deletion catalogue), else as typed.
 */
export function reasonText(r: Reasons, codes: Readonly<Record<string, string>>, stored: string): string {
  if (Object.hasOwn(r.system, stored)) return r.system[stored];
  const colon = stored.indexOf(': ');
  const code = colon < 0 ? stored : stored.slice(0, colon);
  const label = Object.hasOwn(codes, code) ? codes[code] : undefined;
  if (!label) return stored;
  return colon < 0 ? label : r.withNote(label, stored.slice(colon + 2));
}
