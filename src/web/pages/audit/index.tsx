import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Descriptions, Empty, Flex, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { AuditEntryView } from '../../../contracts/audit.js';
import { auditExportUrl, auditKeys, searchAudit, type AuditFilterValues } from '../../api/audit.js';
import { canReadIntegrity } from '../../auth/report-access.js';
import { useSession } from '../../auth/session.js';
import { ActionTag } from '../../components/audit/ActionTag.js';
import { ActorName } from '../../components/audit/ActorName.js';
import { AuditDiff } from '../../components/audit/AuditDiff.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useReasonText } from '../../components/ReasonText.js';
import { useFileDownload } from '../../components/use-file-download.js';
import { hasPermission } from '../../auth/permissions.js';
import { useT } from '../../i18n/locale.js';
import { CursorPager, urlStatePager } from '../orders/components/CursorPager.js';
import { ListFooter } from '../../components/table/ListFooter.js';
import { TableLayoutControls } from '../../components/table/TableLayoutControls.js';
import { useTableLayout } from '../../components/table/use-table-layout.js';
import { hasAuditFilters, readAuditState, toAuditQuery, writeAuditState, type AuditListState } from './audit-params.js';
import { AuditFilterBar } from './components/AuditFilterBar.js';
import { ChainVerificationResult, useChainVerification, VerifyChainButton } from './components/ChainVerification.js';
import { DataQualityCard } from './components/DataQualityCard.js';

function EntryDetails({ entry }: { entry: AuditEntryView }) {
  const t = useT();
  const a = t.reports.audit;
  return (
    <Flex vertical gap={12} style={{ padding: '4px 8px 8px' }} data-testid="audit-entry-details">
      <AuditDiff diff={entry.diff} />
      <Descriptions
        size="small"
        column={{ xs: 1, lg: 2 }}
        items={[
          { key: 'id', label: a.entry, children: <span className="num">#{entry.id}</span> },
          { key: 'request', label: a.requestId, children: entry.requestId ? <span className="order-number">{entry.requestId}</span> : '—' },
          { key: 'agent', label: a.userAgent, span: 'filled', children: entry.userAgent ? <Typography.Text type="secondary">{entry.userAgent}</Typography.Text> : '—' },
          {
            key: 'hash',
            label: a.hash,
            span: 'filled',
            children: (
              <Typography.Text copyable={{ text: entry.hash }} type="secondary" style={{ wordBreak: 'break-all' }}>
                <span className="order-number">{entry.hash}</span>
              </Typography.Text>
            ),
          },
        ]}
      />
    </Flex>
  );
}

function EntityCell({ entry }: { entry: AuditEntryView }) {
  const t = useT();
  const type = t.reports.entityTypes[entry.entityType] ?? entry.entityType;
  const label = entry.entityLabel ?? (entry.entityId ? `#${entry.entityId}` : null);
  return (
    <Flex vertical gap={0} style={{ minWidth: 0 }}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {type}
      </Typography.Text>
      {label &&
        (entry.entityType === 'order' && entry.entityId ? (
          <Link to={`/orders/${entry.entityId}`} className="order-number" title={t.reports.audit.openOrder}>
            {label}
          </Link>
        ) : (
          <Typography.Text ellipsis={{ tooltip: label }} style={{ maxWidth: 240 }}>
            {label}
          </Typography.Text>
        ))}
    </Flex>
  );
}

function AuditLog() {
  const t = useT();
  const a = t.reports.audit;
  const reasonText = useReasonText();
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readAuditState(params), [params]);
  const query = toAuditQuery(state);
  const entries = useQuery({ queryKey: auditKeys.list(query), queryFn: ({ signal }) => searchAudit(query, signal), placeholderData: keepPreviousData });
  const verification = useChainVerification();
  const download = useFileDownload();

  const go = (next: AuditListState) => setParams(writeAuditState(next));
  const applyFilters = (filters: AuditFilterValues) => go({ ...state, filters, cursors: [] });

  const columns: TableColumnsType<AuditEntryView> = [
    { key: 'at', title: a.when, dataIndex: 'at', width: 150, render: (v: string) => <DateTime value={v} /> },
    { key: 'actor', title: a.actor, width: 170, render: (_, e) => <ActorName actor={e.actor} /> },
    { key: 'action', title: a.action, dataIndex: 'action', width: 170, render: (action: string) => <ActionTag action={action} /> },
    { key: 'entity', title: a.entity, width: 200, render: (_, e) => <EntityCell entry={e} /> },
    {
      key: 'reason',
      title: a.reason,
      dataIndex: 'reason',
      render: (reason: string | null) =>
        reason ? (
          <Typography.Text ellipsis={{ tooltip: reasonText(reason) }} style={{ maxWidth: 320 }}>
            {reasonText(reason)}
          </Typography.Text>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { key: 'ip', title: a.ip, dataIndex: 'ip', width: 140, render: (ip: string | null) => (ip ? <span className="order-number">{ip}</span> : <span className="muted">—</span>) },
  ];

  const layout = useTableLayout('audit', columns);
  const nextCursor = entries.data?.nextCursor ?? null;
  const exportCsv = () =>
    void download.start(auditExportUrl(state.filters), { title: `${a.exportCsv}`, fallbackName: 'orderly-audit.csv' });

  return (
    <div className="section-gap">
      <PageHeader
        title={a.title}
        subtitle={a.subtitle}
        extra={
          <>
            <VerifyChainButton loading={verification.isPending} onVerify={() => verification.mutate()} />
            <Tooltip title={a.exportHelp}>
              <Button icon={<DownloadOutlined />} onClick={exportCsv} loading={download.running} data-testid="audit-export">
                {a.exportCsv}
              </Button>
            </Tooltip>
          </>
        }
      />
      {verification.data && <ChainVerificationResult result={verification.data} onClose={() => verification.reset()} />}
      <AuditFilterBar filters={state.filters} onApply={applyFilters} />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: '12px 16px' }}>
          <Typography.Text type="secondary">{entries.data ? t.common.matchCount(entries.data.items.length) : '\u00a0'}</Typography.Text>
          <Flex align="center" gap={8}>
            <Button size="small" icon={<ReloadOutlined />} onClick={() => entries.refetch()} loading={entries.isFetching} aria-label={t.common.refresh} title={t.common.refresh} />
            <TableLayoutControls layout={layout} />
          </Flex>
        </Flex>
        {entries.isError && !entries.data ? (
          <LoadFailed error={entries.error} onRetry={() => entries.refetch()} />
        ) : (
          <Table<AuditEntryView>
            rowKey="id"
            data-testid="audit-table"
            {...layout.tableProps}
            dataSource={entries.data?.items ?? []}
            loading={entries.isFetching}
            pagination={false}
            scroll={{ x: 1000 }}
            expandable={{ expandedRowRender: (entry) => <EntryDetails entry={entry} />, expandRowByClick: true }}
            locale={{
              emptyText: entries.isPending ? (
                <div style={{ height: 120 }} />
              ) : (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={a.empty}>
                  {hasAuditFilters(state.filters) && <Button onClick={() => applyFilters({})}>{t.orders.clearFilters}</Button>}
                </Empty>
              ),
            }}
          />
        )}
        <ListFooter total={undefined}>
          <CursorPager {...urlStatePager(state, go, nextCursor)} loading={entries.isFetching} />
        </ListFooter>
      </Card>
      {canReadIntegrity(me) && <DataQualityCard />}
      {download.element}
    </div>
  );
}

export default function AuditPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'audit.read')} permissions={['audit.read']}>
      <AuditLog />
    </RequireAccess>
  );
}
