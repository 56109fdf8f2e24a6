import { useQuery } from '@tanstack/react-query';
import { Card, Col, Descriptions, Drawer, Row, Statistic, Typography } from 'antd';
import type { ProductView } from '../../../../contracts/products.js';
import { fetchMovements } from '../../../api/inventory.js';
import { fetchProduct, productKeys } from '../../../api/products.js';
import { DateTime } from '../../../components/DateTime.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { Money } from '../../../components/Money.js';
import { MovementsTable } from '../../../components/MovementsTable.js';
import { PageSpinner } from '../../../components/PageSpinner.js';
import { useT } from '../../../i18n/locale.js';
import { Link } from 'react-router';
import { canReadStock } from '../../../auth/report-access.js';
import { useSession } from '../../../auth/session.js';
import { StockTag } from './StockTag.js';

export function ProductDrawer({ productId, onClose }: { productId: string | undefined; onClose(): void }) {
  const t = useT();
  const { me } = useSession();
  const product = useQuery({ queryKey: productKeys.detail(productId ?? ''), queryFn: () => fetchProduct(productId!), enabled: Boolean(productId) });
  const movements = useQuery({ queryKey: productKeys.movements(productId ?? ''), queryFn: () => fetchMovements({ productId }), enabled: Boolean(productId) });
  const p: ProductView | undefined = product.data;

  return (
    <Drawer
      open={Boolean(productId)}
      onClose={onClose}
      size={760}
      title={p ? <span><span className="order-number">{p.sku}</span> · {p.name}</span> : t.products.detail}
      destroyOnHidden
      data-testid="product-drawer"
      extra={productId && canReadStock(me) && <Link to={`/stock?product=${productId}`}>{t.reports.stock.openInStock}</Link>}
    >
      {product.isPending ? (
        <PageSpinner />
      ) : product.isError ? (
        <LoadFailed error={product.error} onRetry={() => product.refetch()} />
      ) : (
        p && (
          <div className="section-gap">
            <Descriptions
              column={2}
              size="small"
              items={[
                { key: 'price', label: t.products.price, children: <Money value={p.price} strong /> },
                { key: 'created', label: t.common.createdAt, children: <DateTime value={p.createdAt} /> },
              ]}
            />
            <Card size="small">
              <Row gutter={16}>
                <Col span={8}>
                  <Statistic title={t.products.onHand} value={p.stock.onHand} />
                </Col>
                <Col span={8}>
                  <Statistic title={t.products.reserved} value={p.stock.reserved} styles={{ content: { color: p.stock.reserved > 0 ? '#1f5fbf' : undefined } }} />
                </Col>
                <Col span={8}>
                  <Statistic title={<>{t.products.available} <StockTag available={p.stock.available} /></>} value={p.stock.available} />
                </Col>
              </Row>
            </Card>
            <div>
              <Typography.Title level={5}>{t.products.movements}</Typography.Title>
              <MovementsTable items={movements.data?.items ?? []} loading={movements.isPending} show="order" emptyText={t.products.noMovements} />
            </div>
          </div>
        )
      )}
    </Drawer>
  );
}

