import { useQuery } from '@tanstack/react-query';
import { Flex, Select, Spin, Typography } from 'antd';
import { useState } from 'react';
import type { ProductView } from '../../../../contracts/products.js';
import { productKeys, searchProducts } from '../../../api/products.js';
import { formatMoney } from '../../../components/Money.js';
import { useDebouncedValue } from '../../../components/use-debounced-value.js';
import { useT } from '../../../i18n/locale.js';

/** What the form knows about a product: enough to label it and, when known, to price the preview. */
export type KnownProduct = Pick<ProductView, 'id' | 'sku' | 'name'> & Partial<Pick<ProductView, 'price' | 'stock'>>;

interface ProductSelectProps {
  value?: string;
  onChange?(value: string | undefined): void;
  known: Map<string, KnownProduct>;
  onSeen(products: ProductView[]): void;
  id?: string;
  status?: 'error' | 'warning' | '';
}

export function ProductSelect({ value, onChange, known, onSeen, id, status }: ProductSelectProps) {
  const t = useT();
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim());
  const results = useQuery({
    queryKey: productKeys.search(q, 20),
    queryFn: async () => {
      const found = await searchProducts(q, 20);
      onSeen(found.items);
      return found;
    },
    staleTime: 30_000,
  });

  const products = new Map<string, KnownProduct>();
  if (value && known.has(value)) products.set(value, known.get(value)!);
  for (const p of results.data?.items ?? []) products.set(p.id, p);

  return (
    <Select<string>
      id={id}
      status={status}
      value={value}
      onChange={onChange}
      placeholder={t.orderForm.productPlaceholder}
      aria-label={t.orderForm.product}
      showSearch={{ filterOption: false, onSearch: setSearch, searchValue: search }}
      onOpenChange={(open) => !open && setSearch('')}
      notFoundContent={results.isFetching ? <Spin size="small" /> : undefined}
      options={[...products.values()].map((p) => ({ value: p.id, label: `${p.sku} · ${p.name}`, product: p }))}
      optionRender={(option) => {
        const p = (option.data as { product: KnownProduct }).product;
        return (
          <Flex justify="space-between" gap={12}>
            <span style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
              <span className="order-number">{p.sku}</span> · {p.name}
            </span>
            <Typography.Text type="secondary" className="nowrap">
              {p.price !== undefined && <span className="money">{formatMoney(p.price)}</span>}
              {p.stock && <> · {t.orderForm.available(p.stock.available)}</>}
            </Typography.Text>
          </Flex>
        );
      }}
      popupMatchSelectWidth={420}
      data-testid="product-select"
      style={{ width: '100%' }}
    />
  );
}
