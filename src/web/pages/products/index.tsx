import { PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Button, Flex, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate, useParams } from 'react-router';
import type { ProductView } from '../../../contracts/products.js';
import { PRODUCT_PAGE_LIMIT, productKeys, searchProducts } from '../../api/products.js';
import { Guard } from '../../auth/permissions.js';
import { Money } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { SearchableList } from '../../components/SearchableList.js';
import { useSearchInUrl } from '../../components/use-search-in-url.js';
import { useT } from '../../i18n/locale.js';
import { CreateProductModal } from './components/CreateProductModal.js';
import { ProductDrawer } from './components/ProductDrawer.js';
import { StockTag } from './components/StockTag.js';

export default function ProductsPage() {
  const t = useT();
  const navigate = useNavigate();
  const { search } = useLocation();
  // The open product is part of the URL (/products/:id), so a reload or a link reopens it.
  const { id: openId } = useParams();
  const { text, setText, q } = useSearchInUrl();
  const [creating, setCreating] = useState(false);

  const products = useQuery({
    queryKey: productKeys.search(q, PRODUCT_PAGE_LIMIT),
    queryFn: () => searchProducts(q, PRODUCT_PAGE_LIMIT),
    placeholderData: keepPreviousData,
  });

  const count = (n: number) => <span className="num">{n.toLocaleString()}</span>;
  const columns: TableColumnsType<ProductView> = [
    { key: 'sku', title: t.products.sku, dataIndex: 'sku', width: 160, render: (sku: string) => <span className="order-number">{sku}</span> },
    { key: 'name', title: t.products.name, dataIndex: 'name', render: (name: string) => <Typography.Text strong>{name}</Typography.Text> },
    { key: 'price', title: t.products.price, dataIndex: 'price', align: 'right', width: 130, render: (v: string) => <Money value={v} /> },
    { key: 'onHand', title: t.products.onHand, align: 'right', width: 110, render: (_, p) => count(p.stock.onHand) },
    { key: 'reserved', title: t.products.reserved, align: 'right', width: 110, render: (_, p) => count(p.stock.reserved) },
    {
      key: 'available',
      title: t.products.available,
      align: 'right',
      width: 190,
      render: (_, p) => (
        <Flex justify="flex-end" align="center" gap={8}>
          <StockTag available={p.stock.available} />
          <Typography.Text strong>{count(p.stock.available)}</Typography.Text>
        </Flex>
      ),
    },
  ];

  return (
    <div className="section-gap">
      <PageHeader
        title={t.products.title}
        subtitle={t.products.subtitle}
        extra={
          <Guard permission="inventory.manage" whenMissing="hide">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-product">
              {t.products.newProduct}
            </Button>
          </Guard>
        }
      />
      <SearchableList<ProductView>
        search={{ text, setText }}
        placeholder={t.products.searchPlaceholder}
        searchTestId="product-search"
        query={products}
        limit={PRODUCT_PAGE_LIMIT}
        columns={columns}
        emptyText={t.products.empty}
        tableProps={{
          className: 'clickable-rows',
          rowClassName: (p) => (p.id === openId ? 'ant-table-row-selected' : ''),
          onRow: (p) => ({ onClick: () => void navigate({ pathname: `/products/${p.id}`, search }) }),
        }}
      />
      <CreateProductModal open={creating} onClose={() => setCreating(false)} />
      <ProductDrawer productId={openId} onClose={() => navigate({ pathname: '/products', search })} />
    </div>
  );
}
