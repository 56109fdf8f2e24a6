import { Tag } from 'antd';
import { useT } from '../../../i18n/locale.js';

/** Out of stock when nothing is available; low when the server says so for the threshold the list asked for. */
export function StockFlag({ available, low }: { available: number; low: boolean }) {
  const t = useT();
  if (available <= 0) return <Tag color="error">{t.products.outOfStock}</Tag>;
  if (low) return <Tag color="warning">{t.products.lowStock}</Tag>;
  return null;
}
