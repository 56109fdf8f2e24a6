import { LockOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import type { LegalHold } from '../../../contracts/orders.js';
import { useT } from '../../i18n/locale.js';

/** The legal-hold badge shown wherever a held order appears: the list, the order page and the recycle bin. */
export function LegalHoldBadge({ hold }: { hold: LegalHold | null | undefined }) {
  const t = useT();
  if (!hold) return null;
  return (
    <Tooltip title={t.governance.hold.tooltip(hold.reason, hold.heldBy?.name ?? '—')}>
      <Tag color="purple" icon={<LockOutlined />} data-testid="legal-hold-badge" style={{ marginInlineStart: 6 }}>
        {t.governance.hold.badge}
      </Tag>
    </Tooltip>
  );
}
