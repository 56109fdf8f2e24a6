import { SearchOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { AutoComplete, Grid, Input, Typography, type InputRef } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { searchCustomers } from '../api/customers.js';
import { fetchOrders } from '../api/orders.js';
import { hasPermission } from '../auth/permissions.js';
import { useMe } from '../auth/session.js';
import { StatusTag } from '../components/StatusTag.js';
import { useDebouncedValue } from '../components/use-debounced-value.js';
import { useT } from '../i18n/locale.js';
import { useCustomerName } from '../components/customer-name.js';

/** A few hits per group: the box finds one record fast; the lists are for browsing. */
const HITS_PER_GROUP = 5;

/** Typing in a field must keep "/" as a character; only elsewhere does it jump to the search box. */
function isTypingTarget(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/**
 * The search box of the header: order numbers and customer names, from the order list and the customer
 * directory with the caller's own permissions and record scope (a sales rep finds their own orders, and customers
 * by name only). "/" or Ctrl/⌘+K focuses it, arrows move, Enter opens the highlighted (at first the first) hit,
 * Esc closes.
 */
export function GlobalSearch() {
  const t = useT();
  const customerName = useCustomerName();
  const g = t.views.globalSearch;
  const me = useMe();
  const navigate = useNavigate();
  const input = useRef<InputRef>(null);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const phone = Grid.useBreakpoint().md === false;
  const q = useDebouncedValue(text.trim(), 200);
  const canReadOrders = hasPermission(me, 'orders.read');

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const commandK = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k';
      if (commandK || (event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTypingTarget(event.target))) {
        event.preventDefault();
        input.current?.focus();
        setOpen(true);
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const enabled = q.length > 0;
  const orders = useQuery({
    queryKey: ['global-search', 'orders', q],
    queryFn: ({ signal }) => fetchOrders({ q, limit: HITS_PER_GROUP }, signal),
    enabled: enabled && canReadOrders,
    staleTime: 10_000,
  });
  const customers = useQuery({
    queryKey: ['global-search', 'customers', q],
    queryFn: () => searchCustomers(q, HITS_PER_GROUP, true),
    enabled,
    staleTime: 10_000,
  });

  const orderHits = (orders.data?.items ?? []).map((o) => ({
    value: `/orders/${o.id}`,
    label: (
      <div className="global-search-hit" data-testid="global-search-order">
        <span className="order-number">{o.number}</span>
        <Typography.Text type="secondary" ellipsis style={{ flex: 1, minWidth: 0 }}>
          {customerName(o.customer)}
        </Typography.Text>
        <StatusTag status={o.status} />
      </div>
    ),
  }));
  // Deactivated customers are still looked up (their old orders); a merged duplicate would only repeat its survivor.
  const customerHits = (customers.data?.items ?? []).filter((c) => c.mergedIntoId === null).map((c) => ({
    value: `/customers/${c.id}`,
    label: (
      <div className="global-search-hit" data-testid="global-search-customer">
        <Typography.Text ellipsis style={{ flex: 1, minWidth: 0 }}>
          {c.name}
        </Typography.Text>
        {!c.active && <Typography.Text type="secondary">{t.crm.customer.inactive}</Typography.Text>}
      </div>
    ),
  }));
  const options = [
    ...(orderHits.length ? [{ label: g.orders, options: orderHits }] : []),
    ...(customerHits.length ? [{ label: g.customers, options: customerHits }] : []),
  ];
  const searching = (orders.isFetching || customers.isFetching) && options.length === 0;

  function go(path: string) {
    setText('');
    setOpen(false);
    input.current?.blur();
    void navigate(path);
  }

  return (
    <AutoComplete
      className="global-search"
      style={{ width: phone ? 132 : 300 }}
      popupMatchSelectWidth={phone ? 300 : 380}
      value={text}
      options={enabled ? options : []}
      open={open && enabled}
      onOpenChange={setOpen}
      defaultActiveFirstOption
      filterOption={false}
      onSearch={(value) => {
        setText(value);
        setOpen(true);
      }}
      onSelect={(value: string) => go(value)}
      notFoundContent={enabled ? <span className="muted">{searching || q !== text.trim() ? g.searching : g.noResults}</span> : null}
      popupRender={(menu) => (
        <div data-testid="global-search-results">
          {menu}
          <div className="global-search-hint muted">{g.hint}</div>
        </div>
      )}
    >
      <Input
        ref={input}
        allowClear
        prefix={<SearchOutlined className="muted" />}
        placeholder={phone ? t.common.search : g.placeholder}
        aria-label={g.label}
        title={g.shortcut}
        suffix={phone ? null : <kbd className="global-search-kbd">/</kbd>}
        data-testid="global-search"
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            setOpen(false);
            input.current?.blur();
          }
        }}
      />
    </AutoComplete>
  );
}
