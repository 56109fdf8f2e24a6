import { ClockCircleOutlined, DeleteOutlined, PauseCircleOutlined, ReloadOutlined, RollbackOutlined, SendOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Empty, Flex, Input, Row, Select, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState, type Key } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { DEFAULT_RETENTION_DAYS, DELETE_REASON_CODES, type RecycleBinItem } from '../../../contracts/deletion.js';
import { deletionKeys, fetchRecycleBin, fetchRetention, newIdempotencyKey, restoreOrders, type RestoreTarget } from '../../api/deletion.js';
import { hasPermission, Guard } from '../../auth/permissions.js';
import { useMe } from '../../auth/session.js';
import { DateTime } from '../../components/DateTime.js';
import { useCardLayout } from '../../components/cards/CardList.js';
import { RecycleBinCards } from '../../components/cards/RecycleBinCards.js';
import { HelpHint } from '../../components/deletion/HelpHint.js';
import { ShortageList, shortagesOf } from '../../components/deletion/ShortageList.js';
import { invalidateAfterDeletion } from '../../components/deletion/use-undo-notice.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { LegalHoldBadge } from '../../components/governance/LegalHoldBadge.js';
import { Money } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { StatusTag } from '../../components/StatusTag.js';
import { useShowError } from '../../components/use-show-error.js';
import type { Messages } from '../../i18n/en.js';
import { useT } from '../../i18n/locale.js';
import { useCustomerName } from '../../components/customer-name.js';
import { purgeCountdown, purgeIsNear } from '../../components/deletion/purge-countdown.js';
import { CursorPager, urlStatePager } from '../orders/components/CursorPager.js';
import { ListFooter } from '../../components/table/ListFooter.js';
import { TableLayoutControls } from '../../components/table/TableLayoutControls.js';
import { useTableLayout } from '../../components/table/use-table-layout.js';
import { PurgeDialog } from './components/PurgeDialog.js';
import { RequestRestoreDialog } from './components/RequestRestoreDialog.js';
import { RetentionCard } from './components/RetentionCard.js';
import { readBinState, toBinQuery, writeBinState, type RecycleBinState } from './recycle-bin-params.js';
import { RiskHelp } from '../../components/guidance/RiskHelp.js';

/** "in 30 days" until the purge job takes the order; red in the last three days. */
function PurgeCountdown({ purgeAfter, now, t }: { purgeAfter: string; now: number; t: Messages }) {
  const b = t.deletion.bin;
  const left = purgeCountdown(purgeAfter, now);
  const text = left.kind === 'due' ? b.purgeDue : left.kind === 'hours' ? b.purgeInHours(left.hours) : b.purgeIn(left.days);
  const urgent = purgeIsNear(purgeAfter, now);
  return (
    <Tooltip title={<DateTime value={purgeAfter} />}>
      <Typography.Text type={urgent ? 'danger' : 'secondary'} className="nowrap" data-testid="purge-countdown">
        <ClockCircleOutlined style={{ marginInlineEnd: 6 }} />
        {text}
      </Typography.Text>
    </Tooltip>
  );
}

/** The minute clock the countdowns read, so they move while the page stays open. */
function useMinuteClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

type Dialog = { kind: 'purge' | 'request'; orders: RecycleBinItem[] } | null;

export default function RecycleBinPage() {
  const t = useT();
  const customerName = useCustomerName();
  const b = t.deletion.bin;
  const me = useMe();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const navigate = useNavigate();
  const now = useMinuteClock();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readBinState(params), [params]);
  const [searchText, setSearchText] = useState(state.q ?? '');
  const [selected, setSelected] = useState<Map<string, RecycleBinItem>>(new Map());
  const [dialog, setDialog] = useState<Dialog>(null);
  const [restoring, setRestoring] = useState(false);
  const cards = useCardLayout();

  const query = toBinQuery(state);
  const bin = useQuery({ queryKey: deletionKeys.recycleBin(query), queryFn: ({ signal }) => fetchRecycleBin(query, signal), placeholderData: keepPreviousData });
  const retention = useQuery({ queryKey: deletionKeys.retention, queryFn: fetchRetention, staleTime: 60_000 });
  const retentionDays = retention.data?.days ?? DEFAULT_RETENTION_DAYS;

  const filterKey = JSON.stringify([state.q, state.reason, state.batchId]);
  useEffect(() => setSelected(new Map()), [filterKey]);
  useEffect(() => setSearchText(state.q ?? ''), [state.q]);

  const go = (next: RecycleBinState) => setParams(writeBinState(next));
  const filterBy = (patch: Partial<RecycleBinState>) => go({ ...state, ...patch, cursors: [] });

  const canRestore = hasPermission(me, 'orders.restore');
  const canRequest = !canRestore && hasPermission(me, 'restore_requests.create');
  // Readers who may neither restore, request nor purge get no checkboxes: there is nothing to do with a selection.
  const canAct = canRestore || canRequest || hasPermission(me, 'orders.purge');
  const selectedRows = [...selected.values()];
  const batches = new Set(selectedRows.map((r) => r.batchId));
  const batchToRestore = state.batchId ?? (batches.size === 1 ? [...batches][0] : undefined);

  const clearAfterChange = () => {
    setSelected(new Map());
    invalidateAfterDeletion(queryClient);
  };

  const runRestore = async (target: RestoreTarget) => {
    setRestoring(true);
    try {
      const result = await restoreOrders(target, newIdempotencyKey());
      message.success(b.restored(result.restored.length));
      if ('batchId' in target && state.batchId === target.batchId) filterBy({ batchId: undefined });
      clearAfterChange();
    } catch (error) {
      const shortages = shortagesOf(error);
      if (shortages) modal.error({ title: t.deletion.shortage.title, width: 600, content: <ShortageList shortages={shortages} framed={false} /> });
      else showError(error);
    } finally {
      setRestoring(false);
    }
  };

  const confirmRestore = (target: RestoreTarget) => {
    modal.confirm({
      title: 'batchId' in target ? b.restoreBatchConfirmTitle : b.restoreConfirmTitle(target.ids.length),
      content: b.restoreConfirmBody,
      okText: b.restore,
      cancelText: t.common.cancel,
      icon: <RollbackOutlined style={{ color: '#1f5fbf' }} />,
      onOk: () => runRestore(target),
    });
  };

  const onSelectionChange = (keys: Key[], rows: Array<RecycleBinItem | undefined>) => {
    setSelected((current) => {
      const next = new Map<string, RecycleBinItem>();
      const fromPage = new Map(rows.filter((r): r is RecycleBinItem => Boolean(r)).map((r) => [r.id, r]));
      for (const key of keys.map(String)) {
        const row = fromPage.get(key) ?? current.get(key);
        if (row) next.set(key, row);
      }
      return next;
    });
  };

  // A held order's countdown stands still until the hold is released (SPEC §5).
  const purgeCell = (o: RecycleBinItem) =>
    o.legalHold ? (
      <Typography.Text type="secondary" className="nowrap" data-testid="purge-countdown-stopped">
        <PauseCircleOutlined style={{ marginInlineEnd: 6 }} />
        {t.governance.hold.countdownStopped}
      </Typography.Text>
    ) : (
      <PurgeCountdown purgeAfter={o.purgeAfter} now={now} t={t} />
    );

  const columns: TableColumnsType<RecycleBinItem> = [
    {
      key: 'number',
      title: b.number,
      dataIndex: 'number',
      width: 160,
      render: (n: string, o: RecycleBinItem) => (
        <>
          <span className="order-number">{n}</span>
          <LegalHoldBadge hold={o.legalHold} />
        </>
      ),
    },
    {
      key: 'customer',
      title: b.customer,
      render: (_, o) => (
        <Typography.Text ellipsis={{ tooltip: customerName(o.customer) }} style={{ maxWidth: 200 }}>
          {customerName(o.customer)}
        </Typography.Text>
      ),
    },
    { key: 'status', title: b.status, dataIndex: 'status', width: 100, render: (_, row) => <StatusTag status={row.status} /> },
    { key: 'total', title: b.total, dataIndex: 'total', align: 'right', width: 120, render: (v: string) => <Money value={v} strong /> },
    {
      key: 'deleted',
      title: b.deletedAt,
      width: 170,
      render: (_, o) => (
        <Flex vertical>
          <DateTime value={o.deletedAt} />
          <Typography.Text type="secondary" ellipsis={{ tooltip: o.deletedBy?.name }} style={{ fontSize: 12, maxWidth: 160 }} data-testid="deleted-by">
            {b.byUser(o.deletedBy?.name ?? b.unknownUser)}
          </Typography.Text>
        </Flex>
      ),
    },
    {
      key: 'reason',
      title: b.reason,
      width: 200,
      render: (_, o) => (
        <Flex vertical gap={2} data-reason={o.reason.code}>
          <span>
            <Tag style={{ marginInlineEnd: 0 }}>{t.deletion.reasons[o.reason.code]}</Tag>
          </span>
          {o.reason.note && (
            <Typography.Text type="secondary" ellipsis={{ tooltip: o.reason.note }} style={{ maxWidth: 180, fontSize: 12 }}>
              {o.reason.note}
            </Typography.Text>
          )}
        </Flex>
      ),
    },
    {
      key: 'batch',
      title: (
        <span>
          {b.batch}
          <HelpHint>{b.batchTip}</HelpHint>
        </span>
      ),
      width: 100,
      render: (_, o) => (
        <Tooltip title={o.batchId}>
          <Button type="link" size="small" style={{ paddingInline: 0 }} className="order-number" onClick={() => filterBy({ batchId: o.batchId })} data-testid="batch-link">
            {o.batchId.slice(0, 8)}
          </Button>
        </Tooltip>
      ),
    },
    {
      key: 'purge',
      title: (
        <span>
          {b.purge}
          <HelpHint>{t.deletion.purge.body}</HelpHint>
        </span>
      ),
      dataIndex: 'purgeAfter',
      width: 130,
      render: (_: string, o: RecycleBinItem) => purgeCell(o),
    },
  ];

  const layout = useTableLayout('recycle-bin', columns);
  const nextCursor = bin.data?.nextCursor ?? null;
  const filtered = Boolean(state.q || state.reason || state.batchId);
  const showRetention = hasPermission(me, 'settings.manage');

  return (
    <div className="section-gap" data-testid="recycle-bin">
      <PageHeader title={b.title} subtitle={b.subtitle} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={showRetention ? 16 : 24}>
          <Alert type="info" showIcon title={b.help} description={b.helpBody(retentionDays)} style={{ height: '100%' }} data-testid="recycle-bin-help" />
        </Col>
        {showRetention && (
          <Col xs={24} xl={8}>
            <RetentionCard />
          </Col>
        )}
      </Row>
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: '12px 16px' }}>
          <Flex align="center" gap={8} wrap>
            <Input.Search
              allowClear
              value={searchText}
              onChange={(e) => setSearchText(e.target.value)}
              onSearch={(value) => filterBy({ q: value.trim() || undefined })}
              placeholder={b.searchPlaceholder}
              style={{ width: 320, maxWidth: '100%' }}
              data-testid="recycle-bin-search"
            />
            <Select
              allowClear
              placeholder={b.reasonFilter}
              aria-label={b.reasonFilter}
              value={state.reason}
              onChange={(reason) => filterBy({ reason })}
              options={DELETE_REASON_CODES.map((c) => ({ value: c, label: t.deletion.reasons[c] }))}
              style={{ width: 180 }}
              data-testid="recycle-bin-reason"
            />
            {state.batchId && (
              <Tag closable onClose={() => filterBy({ batchId: undefined })} color="blue" data-testid="batch-filter">
                {b.batchFilter(state.batchId.slice(0, 8))}
              </Tag>
            )}
          </Flex>
          <Flex align="center" gap={8} wrap>
            <Button size="small" icon={<ReloadOutlined />} onClick={() => bin.refetch()} loading={bin.isFetching} aria-label={t.common.refresh} title={t.common.refresh} />
            <TableLayoutControls layout={layout} />
          </Flex>
        </Flex>
        {(selectedRows.length > 0 || state.batchId) && (
          <Flex align="center" gap={8} wrap style={{ padding: '0 16px 12px' }} data-testid="recycle-bin-actions" data-tour="bin-actions">
            {selectedRows.length > 0 && (
              <>
                <Typography.Text strong>{t.common.selectedCount(selectedRows.length)}</Typography.Text>
                <Button size="small" type="link" onClick={() => setSelected(new Map())} style={{ paddingInline: 0 }}>
                  {t.common.clearSelection}
                </Button>
              </>
            )}
            <Guard permission="orders.restore" whenMissing="hide">
              <Button
                size="small"
                type="primary"
                icon={<RollbackOutlined />}
                disabled={selectedRows.length === 0}
                loading={restoring}
                onClick={() => confirmRestore({ ids: selectedRows.map((r) => r.id) })}
                data-testid="restore-selected"
              >
                {b.restore}
              </Button>
            </Guard>
            <Guard permission="orders.restore" whenMissing="hide">
              <RiskHelp action="restore" />
            </Guard>
            <Guard permission="orders.restore" whenMissing="hide">
              <Tooltip title={batchToRestore ? undefined : b.restoreBatchTip}>
                <Button size="small" icon={<RollbackOutlined />} disabled={!batchToRestore} loading={restoring} onClick={() => batchToRestore && confirmRestore({ batchId: batchToRestore })} data-testid="restore-batch">
                  {b.restoreBatch}
                </Button>
              </Tooltip>
            </Guard>
            {canRequest && (
              <Button size="small" icon={<SendOutlined />} disabled={selectedRows.length === 0} onClick={() => setDialog({ kind: 'request', orders: selectedRows })} data-testid="request-restore">
                {b.requestRestore}
              </Button>
            )}
            {canRequest && <RiskHelp action="requestRestore" />}
            <Guard permission="orders.purge" whenMissing="hide">
              <Button size="small" danger icon={<DeleteOutlined />} disabled={selectedRows.length === 0} onClick={() => setDialog({ kind: 'purge', orders: selectedRows })} data-testid="purge-selected">
                {b.purgeSelected}
              </Button>
            </Guard>
            <Guard permission="orders.purge" whenMissing="hide">
              <RiskHelp action="purge" />
            </Guard>
          </Flex>
        )}
        {bin.isError && !bin.data ? (
          <LoadFailed error={bin.error} onRetry={() => bin.refetch()} />
        ) : cards ? (
          <RecycleBinCards
            items={bin.data?.items ?? []}
            loading={bin.isFetching}
            empty={bin.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? b.emptyFiltered : b.empty} />}
            selection={canAct ? { selectedKeys: [...selected.keys()], onChange: onSelectionChange } : undefined}
            purge={purgeCell}
            onBatch={(batchId) => filterBy({ batchId })}
          />
        ) : (
          <Table<RecycleBinItem>
            rowKey="id"
            data-testid="recycle-bin-table"
            data-tour="bin-table"
            {...layout.tableProps}
            dataSource={bin.data?.items ?? []}
            loading={bin.isFetching}
            pagination={false}
            scroll={{ x: 1100 }}
            locale={{ emptyText: bin.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? b.emptyFiltered : b.empty} /> }}
            rowSelection={canAct ? { selectedRowKeys: [...selected.keys()], onChange: onSelectionChange, preserveSelectedRowKeys: true } : undefined}
          />
        )}
        <ListFooter total={bin.data?.total}>
          <CursorPager {...urlStatePager(state, go, nextCursor)} loading={bin.isFetching} />
        </ListFooter>
      </Card>
      {dialog?.kind === 'purge' && (
        <PurgeDialog
          orders={dialog.orders}
          onClose={() => setDialog(null)}
          onPurged={(result) => {
            setDialog(null);
            // With a second admin required, nothing is purged yet: the request waits in the purge requests page.
            if ('purgeRequestId' in result) message.info(t.governance.purgeRequests.sent);
            else message.success(t.deletion.purge.done(result.purged.length));
            clearAfterChange();
          }}
        />
      )}
      {dialog?.kind === 'request' && (
        <RequestRestoreDialog
          orders={dialog.orders}
          onClose={() => setDialog(null)}
          onSent={() => {
            setDialog(null);
            setSelected(new Map());
            // Messages render outside the router: a plain button navigates instead of a Link.
            message.success(
              <span>
                {t.deletion.requestDialog.sent} ·{' '}
                <Button type="link" size="small" style={{ paddingInline: 0 }} onClick={() => navigate('/restore-requests')}>
                  {t.deletion.requestDialog.viewRequests}
                </Button>
              </span>,
              6,
            );
            void queryClient.invalidateQueries({ queryKey: deletionKeys.all });
          }}
        />
      )}
    </div>
  );
}
