import { ArrowDownOutlined, ArrowUpOutlined, ColumnHeightOutlined, SettingOutlined } from '@ant-design/icons';
import { Button, Checkbox, Dropdown, Flex, Popover, Tooltip, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { TABLE_DENSITIES, type TableDensity } from '../../../contracts/table-settings.js';
import { useT } from '../../i18n/locale.js';
import type { TableLayout } from './use-table-layout.js';

/**
 * The two icon buttons of Ant Design Pro's list toolbar: row density, and column settings (show or hide each
 * column, move it up or down, reset). Both save at once through the list's useTableLayout.
 */
export function TableLayoutControls<T>({ layout }: { layout: TableLayout<T> }) {
  const t = useT();
  const { settings, update } = layout;
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  // The popover opens in a layer at the end of the page: focus moves into it, so the keyboard can use it.
  useEffect(() => {
    if (!open) return;
    const frame = requestAnimationFrame(() => panel.current?.querySelector<HTMLElement>('input, button')?.focus());
    return () => cancelAnimationFrame(frame);
  }, [open]);

  const close = () => {
    setOpen(false);
    trigger.current?.focus();
  };

  const visibleCount = settings.columns.filter((c) => c.visible).length;
  const setVisible = (key: string, visible: boolean) => update({ ...settings, columns: settings.columns.map((c) => (c.key === key ? { ...c, visible } : c)) });
  const move = (key: string, step: -1 | 1) => {
    const columns = [...settings.columns];
    const from = columns.findIndex((c) => c.key === key);
    const to = from + step;
    if (from < 0 || to < 0 || to >= columns.length) return;
    [columns[from], columns[to]] = [columns[to], columns[from]];
    update({ ...settings, columns });
  };

  const content = (
    <div
      ref={panel}
      data-testid="column-settings"
      style={{ minWidth: 240 }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
        <Typography.Text strong>{t.tables.columnsTitle}</Typography.Text>
        <Flex gap={4}>
          <Button size="small" type="link" onClick={() => update({ ...settings, columns: settings.columns.map((c) => ({ ...c, visible: true })) })}>
            {t.tables.showAll}
          </Button>
          <Button size="small" type="link" onClick={layout.reset} data-testid="column-settings-reset">
            {t.tables.resetLayout}
          </Button>
        </Flex>
      </Flex>
      <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
        {layout.allColumns.map((column, index) => {
          const onlyOne = column.visible && visibleCount === 1;
          return (
            <li key={column.key} style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: 8, padding: '2px 0' }} data-column={column.key}>
              <Tooltip title={onlyOne ? t.tables.lastVisible : undefined}>
                <Checkbox checked={column.visible} disabled={onlyOne} onChange={(e) => setVisible(column.key, e.target.checked)} data-testid={`column-toggle-${column.key}`}>
                  {column.label}
                </Checkbox>
              </Tooltip>
              <Flex gap={2}>
                <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(column.key, -1)} aria-label={t.tables.moveUp(column.label)} title={t.tables.moveUp(column.label)} data-testid={`column-up-${column.key}`} />
                <Button
                  size="small"
                  type="text"
                  icon={<ArrowDownOutlined />}
                  disabled={index === layout.allColumns.length - 1}
                  onClick={() => move(column.key, 1)}
                  aria-label={t.tables.moveDown(column.label)}
                  title={t.tables.moveDown(column.label)}
                  data-testid={`column-down-${column.key}`}
                />
              </Flex>
            </li>
          );
        })}
      </ul>
    </div>
  );

  return (
    <Flex gap={4} align="center">
      <Dropdown
        trigger={['click']}
        menu={{
          selectable: true,
          selectedKeys: [settings.density],
          items: TABLE_DENSITIES.map((d) => ({ key: d, label: t.tables.densities[d], 'data-testid': `density-${d}` })),
          onClick: ({ key }) => update({ ...settings, density: key as TableDensity }),
        }}
      >
        <Button size="small" icon={<ColumnHeightOutlined />} aria-label={t.tables.density} title={t.tables.density} data-testid="density-button" />
      </Dropdown>
      <Popover trigger="click" placement="bottomRight" open={open} onOpenChange={setOpen} content={content} destroyOnHidden>
        <Button ref={trigger} size="small" icon={<SettingOutlined />} aria-label={t.tables.columnSettings} title={t.tables.columnSettings} aria-expanded={open} data-testid="column-settings-button" />
      </Popover>
    </Flex>
  );
}
