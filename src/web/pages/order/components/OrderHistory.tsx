import { useInfiniteQuery } from '@tanstack/react-query';
import { Button, Card, Empty, Flex, Spin, Timeline, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import type { TimelineEntryView } from '../../../../contracts/audit.js';
import type { OrderView } from '../../../../contracts/orders.js';
import { auditKeys, fetchOrderTimeline } from '../../../api/audit.js';
import { hasPermission } from '../../../auth/permissions.js';
import { useSession } from '../../../auth/session.js';
import { ActionTag, actionColour } from '../../../components/audit/ActionTag.js';
import { ActorName } from '../../../components/audit/ActorName.js';
import { AuditDiff, AuditValue, splitDiff } from '../../../components/audit/AuditDiff.js';
import { DateTime } from '../../../components/DateTime.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { useReasonText } from '../../../components/ReasonText.js';
import { useT } from '../../../i18n/locale.js';

/** Timeline dot colours antd knows, from the tag colour of the action. */
const DOT: Record<string, string> = { red: 'red', green: 'green', blue: 'blue', magenta: 'red', cyan: 'blue', purple: 'blue', orange: 'gray', gold: 'gray' };

/** Edits show their field changes at once; other entries keep what they recorded behind "Show details". */
function EntryBody({ entry }: { entry: TimelineEntryView }) {
  const t = useT();
  const reasonText = useReasonText();
  const [open, setOpen] = useState(false);
  const { changes, details } = splitDiff(entry.diff);
  const statusOnly = changes.length === 1 && changes[0].field === 'status';
  const showTable = entry.action === 'order.update' || (changes.length > 0 && !statusOnly);
  return (
    <div className="history-entry-body">
      {entry.reason && (
        <Typography.Paragraph style={{ margin: '0 0 6px', whiteSpace: 'pre-wrap' }} data-testid="history-reason">
          <Typography.Text type="secondary">{t.reports.history.reason}: </Typography.Text>
          {reasonText(entry.reason)}
        </Typography.Paragraph>
      )}
      {statusOnly && (
        <Flex align="center" gap={6} wrap>
          <AuditValue field="status" value={changes[0].before} />
          <span className="muted">→</span>
          <AuditValue field="status" value={changes[0].after} />
        </Flex>
      )}
      {showTable && <AuditDiff diff={entry.diff} compact />}
      {!showTable && details.length > 0 && (
        <>
          <Button type="link" size="small" style={{ paddingInline: 0 }} onClick={() => setOpen((v) => !v)}>
            {t.reports.audit.showDetails}
          </Button>
          {open && <AuditDiff diff={Object.fromEntries(details.map((d) => [d.field, d.value]))} compact />}
        </>
      )}
    </div>
  );
}

/** The order's history from the audit log, oldest first: who did what, when, why, and what changed. */
export function OrderHistory({ order }: { order: OrderView }) {
  const t = useT();
  const { me } = useSession();
  // The version is in the key: every change to the order adds an entry, so the history reloads with it.
  const timeline = useInfiniteQuery({
    queryKey: [...auditKeys.timeline(order.id), order.version],
    queryFn: ({ pageParam }) => fetchOrderTimeline(order.id, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = timeline.data?.pages.flatMap((p) => p.items) ?? [];

  const extra = hasPermission(me, 'audit.read') ? <Link to={`/audit?entityType=order&entityId=${order.id}`}>{t.reports.history.inAuditLog}</Link> : null;
  return (
    <Card variant="borderless" title={t.reports.history.title} extra={extra} data-testid="order-history" className="order-history">
      {timeline.isPending ? (
        <Flex justify="center" style={{ padding: 24 }}>
          <Spin />
        </Flex>
      ) : timeline.isError ? (
        <LoadFailed error={timeline.error} onRetry={() => timeline.refetch()} />
      ) : entries.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t.reports.history.empty} />
      ) : (
        <>
          <Timeline
            style={{ marginTop: 8 }}
            items={entries.map((entry) => ({
              key: entry.id,
              color: DOT[actionColour(entry.action)] ?? 'gray',
              content: (
                <div data-testid="history-entry" data-action={entry.action}>
                  <div className="history-entry-head">
                    <ActionTag action={entry.action} />
                    <Typography.Text type="secondary">
                      <DateTime value={entry.at} />
                    </Typography.Text>
                    <Typography.Text type="secondary">·</Typography.Text>
                    <ActorName actor={entry.actor} />
                  </div>
                  <EntryBody entry={entry} />
                </div>
              ),
            }))}
          />
          {timeline.hasNextPage && (
            <Button onClick={() => timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
              {t.reports.history.more}
            </Button>
          )}
        </>
      )}
    </Card>
  );
}
