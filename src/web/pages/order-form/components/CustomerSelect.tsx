import { useQuery } from '@tanstack/react-query';
import { Select, Spin } from 'antd';
import { useState } from 'react';
import type { CustomerView } from '../../../../contracts/customers.js';
import { customerKeys, searchCustomers } from '../../../api/customers.js';
import { useDebouncedValue } from '../../../components/use-debounced-value.js';
import { useT } from '../../../i18n/locale.js';

interface CustomerSelectProps {
  value?: string;
  onChange?(value: string | undefined): void;
  /** The customer already chosen (editing, or just created), shown before any search has run. */
  known?: Pick<CustomerView, 'id' | 'name'>[];
  id?: string;
  status?: 'error' | 'warning' | '';
}

/** Searches customers on the server as the user types (names in Chinese or Latin script). */
export function CustomerSelect({ value, onChange, known = [], id, status }: CustomerSelectProps) {
  const t = useT();
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim());
  const results = useQuery({ queryKey: customerKeys.search(q, 20), queryFn: () => searchCustomers(q, 20), staleTime: 30_000 });

  const seen = new Map<string, string>();
  for (const c of [...known, ...(results.data?.items ?? [])]) seen.set(c.id, c.name);
  const options = [...seen].map(([id, name]) => ({ value: id, label: name }));

  return (
    <Select<string>
      id={id}
      status={status}
      value={value}
      onChange={onChange}
      allowClear
      placeholder={t.orderForm.customerPlaceholder}
      options={options}
      showSearch={{ filterOption: false, onSearch: setSearch, searchValue: search }}
      notFoundContent={results.isFetching ? <Spin size="small" /> : undefined}
      onOpenChange={(open) => !open && setSearch('')}
      data-testid="customer-select"
      style={{ width: '100%' }}
    />
  );
}
