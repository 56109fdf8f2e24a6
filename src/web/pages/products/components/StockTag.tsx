import { Tag } from 'antd';
import { useT } from '../../../i18n/locale.js';

/** Below this many available units a product is flagged, so nobody promises stock that isn't there. */
export const LOW_STOCK = 5;

export function StockTag({ available }: { available: number }) {
  const t = useT();
  if (available <= 0) return <Tag color="error">{t.products.outOfStock}</Tag>;
  if (available < LOW_STOCK) return <Tag color="warning">{t.products.lowStock}</Tag>;
  return null;
}
