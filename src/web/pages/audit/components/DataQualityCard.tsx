import { CheckCircleFilled, QuestionCircleOutlined, ReloadOutlined, WarningFilled } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Flex, Skeleton, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import type { Violation } from '../../../../contracts/integrity.js';
import { fetchIntegrityReport, integrityKeys } from '../../../api/integrity.js';
import { formatDateTime } from '../../../components/DateTime.js';
import { LoadFailed } from '../../../components/LoadFailed.js';
import { useT } from '../../../i18n/locale.js';

function entityLink(v: Violation): string | null {
  if (v.entity.type === 'order') return `/orders/${v.entity.id}`;
  if (v.entity.type === 'product') return `/stock?product=${v.entity.id}`;
  return null;
}

/** The journal invariants (GET /api/integrity): stock equals its journal, receivables add up, reversals point somewhere. */
export function DataQualityCard() {
  const t = useT();
  const q = t.reports.integrity;
  const report = useQuery({ queryKey: integrityKeys.report, queryFn: fetchIntegrityReport, staleTime: 5 * 60_000 });

  const columns: TableColumnsType<Violation> = [
    { key: 'code', title: q.code, dataIndex: 'code', width: 260, render: (code: Violation['code']) => <Tag color="error">{q.codes[code] ?? code}</Tag> },
    {
      key: 'entity',
      title: q.entity,
      width: 220,
      render: (_, v) => {
        const text = `${q.entityTypes[v.entity.type]} ${v.entity.label ?? `#${v.entity.id}`}`;
        const to = entityLink(v);
        return to ? <Link to={to}>{text}</Link> : text;
      },
    },
    { key: 'detail', title: q.detail, dataIndex: 'detail', render: (d: string) => <Typography.Text type="secondary">{d}</Typography.Text> },
  ];

  const data = report.data;
  const title = (
    <Flex align="center" gap={8}>
      {q.title}
      <Tooltip title={q.help}>
        <QuestionCircleOutlined className="muted" aria-label={q.help} />
      </Tooltip>
    </Flex>
  );
  return (
    <Card
      variant="borderless"
      title={title}
      data-testid="data-quality"
      extra={
        <Button size="small" icon={<ReloadOutlined />} loading={report.isFetching} onClick={() => report.refetch()}>
          {q.run}
        </Button>
      }
    >
      {report.isError ? (
        <LoadFailed error={report.error} onRetry={() => report.refetch()} />
      ) : !data ? (
        <Skeleton active paragraph={{ rows: 1 }} title={false} />
      ) : (
        <Flex vertical gap={12}>
          <Flex align="center" gap={8} wrap data-testid="data-quality-status" data-ok={String(data.ok)}>
            {data.ok ? <CheckCircleFilled style={{ color: '#389e0d', fontSize: 18 }} /> : <WarningFilled style={{ color: '#cf1322', fontSize: 18 }} />}
            <Typography.Text strong>{data.ok ? q.ok : q.found(data.violations.length)}</Typography.Text>
            <Typography.Text type="secondary">{q.checkedAt(formatDateTime(data.checkedAt))}</Typography.Text>
          </Flex>
          {!data.ok && (
            <Table<Violation>
              rowKey={(v) => `${v.code}:${v.entity.type}:${v.entity.id}`}
              size="small"
              columns={columns}
              dataSource={data.violations}
              pagination={data.violations.length > 10 ? { pageSize: 10, size: 'small', showSizeChanger: false } : false}
              scroll={{ x: 720 }}
            />
          )}
        </Flex>
      )}
    </Card>
  );
}
