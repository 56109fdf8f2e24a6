import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Card, Empty, Flex, Input, Table, Typography, type TableColumnsType, type TableProps } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '../i18n/locale.js';
import { useCardLayout } from './cards/CardList.js';
import { LoadFailed } from './LoadFailed.js';
import { TableLayoutControls } from './table/TableLayoutControls.js';
import type { TableLayout } from './table/use-table-layout.js';

interface SearchableListProps<T> {
  /** The search box, kept in the URL by useSearchInUrl. */
  search: { text: string; setText: (text: string) => void };
  placeholder: string;
  searchTestId: string;
  /** The first `limit` matches, as the server returns them; more than that shows a "first results only" banner. */
  query: UseQueryResult<{ items: T[] }>;
  limit: number;
  columns: TableColumnsType<T>;
  emptyText: string;
  /** Extra table behaviour (clickable rows, the selected row). */
  tableProps?: Pick<TableProps<T>, 'className' | 'rowClassName' | 'onRow'>;
  /** The user's column settings and density (useTableLayout); without it the columns show as given. */
  layout?: TableLayout<T>;
  /** On a phone, the matches as cards (src/web/components/cards/) instead of the table. */
  renderCards?(items: T[], empty: ReactNode): ReactNode;
}

/**
 * A card with a search box over a table of the first matches, paged in the browser: the customers and products
 * pages, whose lists are short enough to arrive whole (the order book pages on the server instead).
 */
export function SearchableList<T extends { id: string }>({ search, placeholder, searchTestId, query, limit, columns, emptyText, tableProps, layout, renderCards }: SearchableListProps<T>) {
  const t = useT();
  const cards = useCardLayout();
  const empty = query.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={emptyText} />;
  const items = query.data?.items ?? [];
  return (
    <Card variant="borderless" styles={{ body: { padding: 0 } }}>
      <Flex justify="space-between" align="center" gap={12} wrap style={{ padding: 16 }}>
        <Input.Search
          allowClear
          value={search.text}
          onChange={(e) => search.setText(e.target.value)}
          onSearch={(value) => search.setText(value)}
          placeholder={placeholder}
          style={{ maxWidth: 360 }}
          loading={query.isFetching}
          data-testid={searchTestId}
        />
        <Flex align="center" gap={8}>
          <Typography.Text type="secondary">{query.data ? t.common.matchCount(items.length) : null}</Typography.Text>
          {layout && <TableLayoutControls layout={layout} />}
        </Flex>
      </Flex>
      {items.length >= limit && <Alert type="info" showIcon banner title={t.common.firstResultsOnly(limit)} />}
      {query.isError && !query.data ? (
        <LoadFailed error={query.error} onRetry={() => query.refetch()} />
      ) : cards && renderCards ? (
        renderCards(items, empty)
      ) : (
        <Table<T>
          {...tableProps}
          rowKey="id"
          size="middle"
          columns={columns}
          {...layout?.tableProps}
          dataSource={items}
          loading={query.isFetching}
          // The whole match arrived unless it filled the limit (then the banner above says so): its size is the total.
          pagination={{ pageSize: 20, showSizeChanger: false, hideOnSinglePage: false, showTotal: items.length < limit ? (n) => t.tables.total(n) : undefined }}
          scroll={{ x: 900 }}
          locale={{ emptyText: empty }}
        />
      )}
    </Card>
  );
}
