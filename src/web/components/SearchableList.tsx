import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Card, Empty, Flex, Input, Table, Typography, type TableColumnsType, type TableProps } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '../i18n/locale.js';
import { useCardLayout } from './cards/CardList.js';
import { LoadFailed } from './LoadFailed.js';

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
  /** On a phone, the matches as cards (src/web/components/cards/) instead of the table. */
  renderCards?(items: T[], empty: ReactNode): ReactNode;
}

/**
 * A card with a search box over a table of the first matches, paged in the browser: the customers and products
 * pages, whose lists are short enough to arrive whole (the order book pages on the server instead).
 */
export function SearchableList<T extends { id: string }>({ search, placeholder, searchTestId, query, limit, columns, emptyText, tableProps, renderCards }: SearchableListProps<T>) {
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
        <Typography.Text type="secondary">{query.data ? t.common.matchCount(items.length) : null}</Typography.Text>
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
          dataSource={items}
          loading={query.isFetching}
          pagination={items.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
          scroll={{ x: 900 }}
          locale={{ emptyText: empty }}
        />
      )}
    </Card>
  );
}
