import { LeftOutlined, RightOutlined, VerticalRightOutlined } from '@ant-design/icons';
import { Button, Flex, Select, Typography } from 'antd';
import { useT } from '../../../i18n/locale.js';
import { PAGE_SIZES } from '../order-list-params.js';

interface CursorPagerProps {
  /** 1-based: how many "next page" steps led here. */
  page: number;
  hasNext: boolean;
  limit: number;
  loading?: boolean;
  onFirst(): void;
  onPrevious(): void;
  onNext(): void;
  onLimitChange(limit: number): void;
}

/** Keyset paging has no total and no page numbers to jump to: only first, previous and next. */
export function CursorPager({ page, hasNext, limit, loading, onFirst, onPrevious, onNext, onLimitChange }: CursorPagerProps) {
  const t = useT();
  return (
    <Flex align="center" gap={8} wrap data-testid="pager">
      <Typography.Text type="secondary" className="num" style={{ marginInlineEnd: 4 }}>
        {t.common.pageNumber(page)}
      </Typography.Text>
      <Button size="small" icon={<VerticalRightOutlined />} disabled={page <= 1 || loading} onClick={onFirst} aria-label={t.common.firstPage} title={t.common.firstPage} />
      <Button size="small" icon={<LeftOutlined />} disabled={page <= 1 || loading} onClick={onPrevious}>
        {t.common.previousPage}
      </Button>
      <Button size="small" disabled={!hasNext || loading} onClick={onNext}>
        {t.common.nextPage}
        <RightOutlined />
      </Button>
      <Select<number>
        size="small"
        value={limit}
        onChange={onLimitChange}
        options={PAGE_SIZES.map((n) => ({ value: n, label: t.common.pageSize(n) }))}
        style={{ width: 110 }}
        aria-label={t.common.pageSize(limit)}
      />
    </Flex>
  );
}

/** The pager's props for a list whose stack of cursors and page size live in its URL state (`go` navigates). */
export function urlStatePager<S extends { cursors: string[]; limit: number }>(state: S, go: (next: S) => void, nextCursor: string | null) {
  return {
    page: state.cursors.length + 1,
    hasNext: nextCursor !== null,
    limit: state.limit,
    onFirst: () => go({ ...state, cursors: [] }),
    onPrevious: () => go({ ...state, cursors: state.cursors.slice(0, -1) }),
    onNext: () => nextCursor && go({ ...state, cursors: [...state.cursors, nextCursor] }),
    onLimitChange: (limit: number) => go({ ...state, limit, cursors: [] }),
  };
}
