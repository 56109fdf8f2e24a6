import { ImportOutlined, ToolOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Drawer, Flex, Row, Statistic, Typography } from 'antd';
import { useState } from 'react';
import { fetchProduct, productKeys } from '../../../api/products.js';
import { fetchProductMovements, stockKeys } from '../../../api/stock.js';
import { Guard } from '../../../auth/permissions.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { Money } from '../../../components/Money.js';
import { MovementsTable } from '../../../components/MovementsTable.js';
import { PageSpinner } from '../../../components/PageSpinner.js';
import { useT } from '../../../i18n/locale.js';
import { StockChangeModal, type StockChangeKind } from './StockChangeModal.js';

/** One product's figures and its whole journal, newest first, with the on-hand balance after each movement. */
export function ProductStockDrawer({ productId, onClose }: { productId: string | null; onClose(): void }) {
  const t = useT();
  const s = t.reports.stock;
  const [changing, setChanging] = useState<StockChangeKind | null>(null);
  const product = useQuery({ queryKey: productKeys.detail(productId ?? ''), queryFn: () => fetchProduct(productId!), enabled: Boolean(productId) });
  const movements = useInfiniteQuery({
    queryKey: stockKeys.movements(productId ?? ''),
    queryFn: ({ pageParam }) => fetchProductMovements(productId!, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: Boolean(productId),
  });
  const p = product.data;
  const items = movements.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Drawer
      open={Boolean(productId)}
      onClose={onClose}
      size={980}
      destroyOnHidden
      data-testid="stock-drawer"
      title={
        p ? (
          <span>
            <span className="order-number">{p.sku}</span> · {p.name}
          </span>
        ) : (
          t.products.detail
        )
      }
      extra={
        p && (
          <Flex gap={8}>
            <Guard permission="inventory.manage" whenMissing="hide">
              <Button icon={<ImportOutlined />} onClick={() => setChanging('receive')} data-testid="receive-goods">
                {s.receive}
              </Button>
            </Guard>
            <Guard permission="inventory.manage" whenMissing="hide">
              <Button type="primary" icon={<ToolOutlined />} onClick={() => setChanging('adjust')} data-testid="adjust-stock">
                {s.adjust}
              </Button>
            </Guard>
          </Flex>
        )
      }
    >
      {product.isPending ? (
        <PageSpinner />
      ) : product.isError ? (
        <LoadFailed error={product.error} onRetry={() => product.refetch()} />
      ) : (
        p && (
          <div className="section-gap">
            <Card size="small">
              <Row gutter={16}>
                <Col span={6}>
                  <Statistic title={t.products.onHand} value={p.stock.onHand} />
                </Col>
                <Col span={6}>
                  <Statistic title={t.products.reserved} value={p.stock.reserved} styles={{ content: { color: p.stock.reserved > 0 ? '#1f5fbf' : undefined } }} />
                </Col>
                <Col span={6}>
                  <Statistic title={t.products.available} value={p.stock.available} styles={{ content: { color: p.stock.available <= 0 ? '#cf1322' : undefined } }} />
                </Col>
                <Col span={6}>
                  <Statistic title={t.products.price} valueRender={() => <Money value={p.price} />} value={p.price} />
                </Col>
              </Row>
            </Card>
            <div>
              <Typography.Title level={5}>{s.movements}</Typography.Title>
              {movements.isError ? (
                <LoadFailed error={movements.error} onRetry={() => movements.refetch()} />
              ) : (
                <MovementsTable items={items} loading={movements.isPending} show="order" emptyText={s.noMovements} />
              )}
              {movements.hasNextPage && (
                <Button style={{ marginTop: 8 }} onClick={() => movements.fetchNextPage()} loading={movements.isFetchingNextPage}>
                  {s.loadOlder}
                </Button>
              )}
            </div>
          </div>
        )
      )}
      <StockChangeModal product={changing && p ? p : null} kind={changing ?? 'adjust'} onClose={() => setChanging(null)} />
    </Drawer>
  );
}
