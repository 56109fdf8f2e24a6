import { Card, Checkbox, Flex, Grid, List, Spin } from 'antd';
import type { Key, ReactNode } from 'react';
import { useT } from '../../i18n/locale.js';

/** Below antd's `md` breakpoint (768 px) lists show cards instead of tables. */
export function useCardLayout(): boolean {
  // Before the first measurement `md` is undefined: the table, as on a desktop, until the width is known.
  return Grid.useBreakpoint().md === false;
}

/** One labelled value on a card: a label above its value, so numbers never run into their neighbours. */
export interface CardField {
  key: string;
  label: ReactNode;
  value: ReactNode;
  /** Takes the card's full width (long names, notes) instead of half of it. */
  wide?: boolean;
}

export interface CardContent {
  /** The record's name or number, usually a link; also names its checkbox for screen readers. */
  title: ReactNode;
  titleText: string;
  /** Beside the title: status tags. */
  extra?: ReactNode;
  fields: CardField[];
  /** Below the fields: buttons that act on this one record. */
  actions?: ReactNode;
}

interface CardListProps<T> {
  items: T[];
  rowKey(item: T): string;
  render(item: T): CardContent;
  loading: boolean;
  empty: ReactNode;
  /** The same selection as the table's checkbox column; absent: no checkboxes. */
  selection?: { selectedKeys: Key[]; onChange(keys: Key[], items: T[]): void };
  /** Paging in the browser (short lists that arrive whole); server-paged lists keep their own pager. */
  pageSize?: number;
  testId: string;
}

/**
 * A list's records as cards on a phone: the table's columns become labelled fields two by two, the checkbox
 * column a checkbox on each card plus "select all on this page" above them, so selecting (and then "select all
 * N matching") works as it does on the table.
 */
export function CardList<T>({ items, rowKey, render, loading, empty, selection, pageSize, testId }: CardListProps<T>) {
  const t = useT();
  const selected = new Set((selection?.selectedKeys ?? []).map(String));
  const pageKeys = items.map(rowKey);
  const pageSelected = pageKeys.filter((k) => selected.has(k)).length;

  const setChecked = (keys: string[], checked: boolean) => {
    if (!selection) return;
    const next = new Set(selected);
    for (const k of keys) {
      if (checked) next.add(k);
      else next.delete(k);
    }
    selection.onChange([...next], items.filter((i) => next.has(rowKey(i))));
  };

  return (
    <Spin spinning={loading}>
      {selection && items.length > 0 && (
        <div className="card-list-select-page" data-testid={`${testId}-select-page`}>
          <Checkbox
            checked={pageSelected === items.length}
            indeterminate={pageSelected > 0 && pageSelected < items.length}
            onChange={(e) => setChecked(pageKeys, e.target.checked)}
          >
            {t.phone.selectPage}
          </Checkbox>
        </div>
      )}
      <List<T>
        className="card-list"
        data-testid={testId}
        dataSource={items}
        rowKey={rowKey}
        locale={{ emptyText: empty }}
        pagination={pageSize && items.length > pageSize ? { pageSize, size: 'small', showSizeChanger: false, align: 'center' } : false}
        renderItem={(item) => {
          const key = rowKey(item);
          const c = render(item);
          return (
            <List.Item className="card-list-item" data-row-key={key}>
              <Card size="small" variant="outlined" style={{ width: '100%' }}>
                <Flex align="flex-start" gap={10}>
                  {selection && (
                    <Checkbox
                      checked={selected.has(key)}
                      onChange={(e) => setChecked([key], e.target.checked)}
                      aria-label={t.phone.selectCard(c.titleText)}
                      className="card-list-check"
                    />
                  )}
                  <Flex vertical gap={8} style={{ flex: 1, minWidth: 0 }}>
                    <Flex justify="space-between" align="flex-start" gap={8} wrap>
                      <div className="card-list-title">{c.title}</div>
                      {c.extra}
                    </Flex>
                    <dl className="card-list-fields">
                      {c.fields.map((f) => (
                        <div key={f.key} className={f.wide ? 'card-list-field wide' : 'card-list-field'} data-field={f.key}>
                          <dt>{f.label}</dt>
                          <dd>{f.value}</dd>
                        </div>
                      ))}
                    </dl>
                    {c.actions && (
                      <Flex gap={8} wrap>
                        {c.actions}
                      </Flex>
                    )}
                  </Flex>
                </Flex>
              </Card>
            </List.Item>
          );
        }}
      />
    </Spin>
  );
}
