import { DownloadOutlined, DownOutlined, FileExcelOutlined, FileTextOutlined, CodeOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import type { ReactNode } from 'react';
import type { ExportFormat } from '../../../../contracts/export.js';
import { orderExportUrl } from '../../../api/order-export.js';
import { Guard } from '../../../auth/permissions.js';
import { useFileDownload } from '../../../components/use-file-download.js';
import { useT } from '../../../i18n/locale.js';
import type { OrderFilters } from '../order-list-params.js';

const ICONS: Record<ExportFormat, ReactNode> = { csv: <FileTextOutlined />, xlsx: <FileExcelOutlined />, json: <CodeOutlined /> };

/**
 * "Export": the ticked rows when some are ticked, otherwise every order matching the list's filters (all pages,
 * not only the one shown). Downloads with progress and a Cancel button.
 */
export function ExportMenu({ filters, selectedIds }: { filters: OrderFilters; selectedIds: string[] }) {
  const t = useT();
  const e = t.reports.export;
  const download = useFileDownload();
  const scope = selectedIds.length ? e.scopeSelected(selectedIds.length) : e.scopeFilter;

  const run = (format: ExportFormat) => {
    const url = orderExportUrl(format, selectedIds.length ? { ids: selectedIds } : { filters: { ...filters, status: filters.status } });
    void download.start(url, { title: e.title(e.formatNames[format]), fallbackName: `orders.${format}`, countsRows: format !== 'xlsx' });
  };

  return (
    <>
      <Guard permission="orders.export" whenMissing="hide">
        <Dropdown
          trigger={['click']}
          disabled={download.running}
          menu={{
            items: [
              { type: 'group', key: 'scope', label: scope },
              ...(['csv', 'xlsx', 'json'] as const).map((format) => ({ key: format, icon: ICONS[format], label: e[format], 'data-testid': `export-${format}` })),
            ],
            onClick: ({ key }) => run(key as ExportFormat),
          }}
        >
          <Button size="small" icon={<DownloadOutlined />} loading={download.running} data-testid="export-menu">
            {e.button}
            {selectedIds.length ? ` (${selectedIds.length})` : ''} <DownOutlined style={{ fontSize: 10 }} />
          </Button>
        </Dropdown>
      </Guard>
      {download.element}
    </>
  );
}
