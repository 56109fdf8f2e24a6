/**
 * Money arrives as a decimal string ("1234.5"); it is shown grouped ("1,234.50") without ever
 * becoming a float, right-aligned in tabular figures so columns of amounts line up.
 */
export function formatMoney(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole, frac = ''] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${(frac + '00').slice(0, 2)}`;
}

export function Money({ value, strong = false }: { value: string | null | undefined; strong?: boolean }) {
  if (value == null) return <span className="money">—</span>;
  const text = formatMoney(value);
  return <span className={`money${strong ? ' money-strong' : ''}${value.startsWith('-') ? ' money-negative' : ''}`}>{text}</span>;
}
