import { Tag } from 'antd';
import type { OrderStatus } from '../../contracts/orders.js';
import { useT } from '../i18n/locale.js';

/** One colour per lifecycle step, used everywhere a status appears. */
export const STATUS_COLOURS: Record<OrderStatus, string> = {
  draft: 'default',
  confirmed: 'processing',
  shipped: 'purple',
  completed: 'success',
  cancelled: 'error',
};

export function StatusTag({ status }: { status: OrderStatus }) {
  const t = useT();
  return (
    <Tag color={STATUS_COLOURS[status]} data-status={status} style={{ marginInlineEnd: 0 }}>
      {t.status[status]}
    </Tag>
  );
}
