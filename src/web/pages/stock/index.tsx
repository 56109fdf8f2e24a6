import { ReloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Card, Checkbox, Empty, Flex, Input, InputNumber, Table, Typography, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { StockRow } from '../../../contracts/inventory.js';
import { fetchStock, stockKeys } from '../../api/stock.js';
import { canReadStock } from '../../auth/report-access.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useDebouncedValue } from '../../components/use-debounced-value.js';
import { useT } from '../../i18n/locale.js';
import { CursorPager } from '../orders/components/CursorPager.js';
import { ListFooter } from '../../components/table/ListFooter.js';
import { TableLayoutControls } from '../../components/table/TableLayoutControls.js';
import { useTableLayout } from '../../components/table/use-table-layout.js';
import { ProductStockDrawer } from './components/ProductStockDrawer.js';
import { StockFlag } from './components/StockFlag.js';

const DEFAULT_THRESHOLD = 10;
const DEFAULT_LIMIT = 50;

/** The list's state lives in the URL (search, low-stock filter, open product), so links such as /stock?product=7 work. */
function useStockParams() {
  const [params, setParams] = useSearchParams();
  const threshold = Number(params.get('threshold'));
  const limit = Number(params.get('limit'));
  const state = {
    q: params.get('q') ?? '',
    lowOnly: params.get('low') === '1',
    threshold: Number.isInteger(threshold) && threshold >= 0 && params.has('threshold') ? threshold : DEFAULT_THRESHOLD,
    limit: [20, 50, 100].includes(limit) ? limit : DEFAULT_LIMIT,
    cursors: (params.get('after') ?? '').split(',').filter(Boolean),
    product: params.get('product'),
  };
  const update = (patch: Partial<typeof state>, options: { keepPage?: boolean } = {}) => {
    const next = { ...state, ...(options.keepPage ? {} : { cursors: [] }), ...patch };
    const out = new URLSearchParams();
    if (next.q) out.set('q', next.q);
    if (next.lowOnly) out.set('low', '1');
    if (next.threshold !== DEFAULT_THRESHOLD) out.set('threshold', String(next.threshold));
    if (next.limit !== DEFAULT_LIMIT) out.set('limit', String(next.limit));
    if (next.cursors.length) out.set('after', next.cursors.join(','));
    if (next.product) out.set('product', next.product);
    // Typing in the search box should not leave one history entry per pause.
    setParams(out, { replace: 'q' in patch });
  };
  return { state, update };
}

function StockList() {
  const t = useT();
  const s = t.reports.stock;
  const { state, update } = useStockParams();
  const [text, setText] = useState(state.q);
  const settled = useDebouncedValue(text.trim(), 300);
  useEffect(() => {
    if (settled !== state.q) update({ q: settled });
  }, [settled]); // only typing writes the URL; a URL change must not be written back

  const query = useMemo(
    () => ({ q: state.q, lowOnly: state.lowOnly ? 'true' : undefined, threshold: state.threshold, limit: state.limit, cursor: state.cursors[state.cursors.length - 1] }),
    [state.q, state.lowOnly, state.threshold, state.limit, state.cursors],
  );
  const stock = useQuery({ queryKey: stockKeys.list(query), queryFn: ({ signal }) => fetchStock(query, signal), placeholderData: keepPreviousData });
  const count = (n: number) => <span className="num">{n.toLocaleString()}</span>;

  const columns: TableColumnsType<StockRow> = [
    { key: 'sku', title: t.products.sku, dataIndex: 'sku', width: 160, render: (sku: string) => <span className="order-number">{sku}</span> },
    { key: 'name', title: t.products.name, dataIndex: 'name', render: (name: string) => <Typography.Text strong>{name}</Typography.Text> },
    { key: 'onHand', title: t.products.onHand, align: 'right', width: 110, render: (_, r) => count(r.stock.onHand) },
    { key: 'reserved', title: t.products.reserved, align: 'right', width: 110, render: (_, r) => count(r.stock.reserved) },
    {
      key: 'available',
      title: t.products.available,
      align: 'right',
      width: 190,
      render: (_, r) => (
        <Flex justify="flex-end" align="center" gap={8}>
          <StockFlag available={r.stock.available} low={r.low} />
          <Typography.Text strong>{count(r.stock.available)}</Typography.Text>
        </Flex>
      ),
    },
    { key: 'last', title: s.lastMovement, dataIndex: 'lastMovementAt', width: 160, render: (v: string | null) => <DateTime value={v} /> },
  ];

  const layout = useTableLayout('stock', columns);
  const nextCursor = stock.data?.nextCursor ?? null;
  return (
    <div className="section-gap">
      <PageHeader title={s.title} subtitle={s.subtitle} />
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: 16 }}>
          <Flex align="center" gap={16} wrap>
            <Input.Search allowClear value={text} onChange={(e) => setText(e.target.value)} onSearch={setText} placeholder={s.searchPlaceholder} style={{ width: 300 }} data-testid="stock-search" />
            <Checkbox checked={state.lowOnly} onChange={(e) => update({ lowOnly: e.target.checked })} data-testid="low-only">
              {s.lowOnly}
            </Checkbox>
            <Flex align="center" gap={6}>
              <Typography.Text type="secondary">{s.threshold}</Typography.Text>
              <InputNumber<number>
                size="small"
                min={0}
                precision={0}
                value={state.threshold}
                onChange={(v) => typeof v === 'number' && update({ threshold: v })}
                style={{ width: 80 }}
                aria-label={s.threshold}
              />
            </Flex>
          </Flex>
          <Flex align="center" gap={8}>
            <Button size="small" icon={<ReloadOutlined />} onClick={() => stock.refetch()} loading={stock.isFetching} aria-label={t.common.refresh} title={t.common.refresh} />
            <TableLayoutControls layout={layout} />
          </Flex>
        </Flex>
        {stock.isError && !stock.data ? (
          <LoadFailed error={stock.error} onRetry={() => stock.refetch()} />
        ) : (
          <Table<StockRow>
            className="clickable-rows"
            data-testid="stock-table"
            rowKey="id"
            {...layout.tableProps}
            dataSource={stock.data?.items ?? []}
            loading={stock.isFetching}
            pagination={false}
            scroll={{ x: 860 }}
            rowClassName={(r) => (r.id === state.product ? 'ant-table-row-selected' : '')}
            onRow={(r) => ({ onClick: () => update({ product: r.id }, { keepPage: true }) })}
            locale={{ emptyText: stock.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={s.empty} /> }}
          />
        )}
        <ListFooter total={stock.data?.total}>
            <CursorPager
              page={state.cursors.length + 1}
              hasNext={nextCursor !== null}
              limit={state.limit}
              loading={stock.isFetching}
              onFirst={() => update({ cursors: [] })}
              onPrevious={() => update({ cursors: state.cursors.slice(0, -1) }, { keepPage: true })}
              onNext={() => nextCursor && update({ cursors: [...state.cursors, nextCursor] }, { keepPage: true })}
              onLimitChange={(limit) => update({ limit })}
            />
        </ListFooter>
      </Card>
      <ProductStockDrawer productId={state.product} onClose={() => update({ product: null }, { keepPage: true })} />
    </div>
  );
}

export default function StockPage() {
  return (
    <RequireAccess allowed={canReadStock} permissions={['orders.read', 'inventory.manage']}>
      <StockList />
    </RequireAccess>
  );
}
