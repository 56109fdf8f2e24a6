import { Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '../../i18n/locale.js';

/**
 * The foot of an admin-style list, as Ant Design Pro has it: "共 N 条" / "N items" and the pager, bottom right.
 * `total` undefined: still counting (or a list with no count), so only the pager shows.
 */
export function ListFooter({ total, children }: { total: number | undefined; children?: ReactNode }) {
  const t = useT();
  return (
    <Flex justify="flex-end" align="center" gap={16} wrap style={{ padding: '12px 16px' }} data-testid="list-footer">
      {total !== undefined && (
        <Typography.Text type="secondary" className="num" data-testid="list-total" aria-live="polite">
          {t.tables.total(total)}
        </Typography.Text>
      )}
      {children}
    </Flex>
  );
}
