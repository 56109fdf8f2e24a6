import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, type TableColumnsType, type TableProps } from 'antd';
import { useMemo, useState } from 'react';
import { defaultTableSettings, MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH, type TableDensity, type TableId, type TableSettings } from '../../../contracts/table-settings.js';
import { fetchTableSettings, saveTableSettings, tableSettingsKey } from '../../api/table-settings.js';
import { useT } from '../../i18n/locale.js';
import { ResizableHeaderCell, type ResizableHeaderProps } from './ResizableHeaderCell.js';

/** antd's table sizes for Ant Design Pro's density names. */
const SIZE_OF: Record<TableDensity, NonNullable<TableProps['size']>> = { default: 'large', middle: 'middle', small: 'small' };

export const clampWidth = (width: number) => Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width)));

/** A column's name in the settings list and in the labels of its controls. */
export const columnLabel = (column: { title?: unknown; key?: unknown }) => (typeof column.title === 'string' ? column.title : String(column.key));

export interface TableLayout<T> {
  /** Spread on the antd Table: columns in the user's order and widths, their density, resizable headers. */
  tableProps: Pick<TableProps<T>, 'columns' | 'size' | 'components'>;
  settings: TableSettings;
  /** Every column the page defines, with its label, in the user's order: what the settings list shows. */
  allColumns: Array<{ key: string; label: string; visible: boolean }>;
  update(next: TableSettings): void;
  reset(): void;
}

/**
 * One list's layout as the signed-in user left it — columns shown, their order and widths, the density —
 * read from and saved to the server (GET|PUT /api/me/table-settings/:table), so it follows them to another
 * browser. Every admin-style list uses this hook with its own columns; the page keeps defining what a column
 * shows, the hook only arranges them.
 */
export function useTableLayout<T>(table: TableId, columns: TableColumnsType<T>): TableLayout<T> {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const key = tableSettingsKey(table);
  const stored = useQuery({ queryKey: key, queryFn: () => fetchTableSettings(table), staleTime: Infinity });
  // Widths while a header is being dragged: shown at once, saved once when the drag ends.
  const [dragging, setDragging] = useState<Record<string, number>>({});

  const save = useMutation({
    mutationFn: (next: TableSettings) => saveTableSettings(table, next),
    // The list changes at once; the server's answer (the normalised layout) replaces it when it comes.
    onMutate: (next) => queryClient.setQueryData(key, next),
    onSuccess: (saved) => queryClient.setQueryData(key, saved),
    onError: () => void message.warning({ key: `table-settings-${table}`, content: t.tables.saveFailed }),
  });

  const settings = stored.data ?? defaultTableSettings(table);

  const tableProps = useMemo(() => {
    const byKey = new Map(columns.map((c) => [String(c.key), c]));
    const named = settings.columns.filter((s) => byKey.has(s.key));
    const namedKeys = new Set(named.map((s) => s.key));
    // A column the page has but the settings do not name (none today) still shows, after the others.
    const extra = columns.filter((c) => !namedKeys.has(String(c.key))).map((c) => ({ key: String(c.key), visible: true, width: undefined }));
    const arranged = [...named, ...extra]
      .filter((s) => s.visible)
      .map((s) => {
        const column = byKey.get(s.key)!;
        const width = dragging[s.key] ?? s.width ?? (typeof column.width === 'number' ? column.width : undefined);
        const onResize = (w: number, done: boolean) => {
          if (!done) return setDragging((d) => ({ ...d, [s.key]: clampWidth(w) }));
          setDragging((d) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== s.key)));
          save.mutate({ ...settings, columns: settings.columns.map((c) => (c.key === s.key ? { ...c, width: clampWidth(w) } : c)) });
        };
        const headerProps: ResizableHeaderProps = { resizeLabel: t.tables.resizeColumn(columnLabel(column)), resizeWidth: width, onResize };
        return {
          ...column,
          width,
          onHeaderCell: (c: Parameters<NonNullable<typeof column.onHeaderCell>>[0]) => ({ ...(column.onHeaderCell?.(c) ?? {}), ...headerProps }),
        };
      });
    return { columns: arranged, size: SIZE_OF[settings.density], components: { header: { cell: ResizableHeaderCell } } };
  }, [columns, settings, dragging, t]);

  const allColumns = useMemo(() => {
    const byKey = new Map(columns.map((c) => [String(c.key), c]));
    return settings.columns.filter((s) => byKey.has(s.key)).map((s) => ({ key: s.key, label: columnLabel(byKey.get(s.key)!), visible: s.visible }));
  }, [columns, settings]);

  return {
    tableProps,
    settings,
    allColumns,
    update: (next) => save.mutate(next),
    reset: () => save.mutate(defaultTableSettings(table)),
  };
}
