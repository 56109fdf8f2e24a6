import { CheckCircleFilled, CloseCircleFilled, CloudUploadOutlined, MinusCircleOutlined, QuestionCircleOutlined, ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Empty, Flex, Modal, Popover, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import type { BackupSummary, BackupVerification } from '../../../contracts/backup.js';
import { backupKeys, createBackup, fetchBackups, verifyBackup } from '../../api/backups.js';
import { hasPermission } from '../../auth/permissions.js';
import { DateTime, formatDateTime } from '../../components/DateTime.js';
import { formatBytes } from '../../components/format-bytes.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { useT } from '../../i18n/locale.js';
import { RiskHelp } from '../../components/guidance/RiskHelp.js';

function VerificationState({ backup }: { backup: BackupSummary }) {
  const t = useT();
  const b = t.reports.backups;
  const v = backup.verification;
  if (!v) {
    return (
      <Tag icon={<MinusCircleOutlined />} data-verified="never">
        {b.never}
      </Tag>
    );
  }
  const tag = (
    <Tag color={v.ok ? 'success' : 'error'} icon={v.ok ? <CheckCircleFilled /> : <CloseCircleFilled />} data-verified={v.ok ? 'ok' : 'failed'}>
      {v.ok ? b.verifiedOk : b.verifiedFailed}
    </Tag>
  );
  return (
    <Flex vertical align="flex-start" gap={2}>
      {v.problems.length ? <Tooltip title={v.problems.join('\n')}>{tag}</Tooltip> : tag}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {b.verifiedAt(formatDateTime(v.checkedAt))}
      </Typography.Text>
    </Flex>
  );
}

/** The result of one verification: each table's rows as listed and as restored, the audit chain, the problems. */
function VerificationReport({ result }: { result: BackupVerification }) {
  const t = useT();
  const b = t.reports.backups;
  return (
    <Flex vertical gap={12}>
      {result.ok ? <Alert type="success" showIcon title={b.verifyOk(result.name)} /> : <Alert type="error" showIcon title={b.verifyFailed(result.name)} description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{result.problems.map((p, i) => <li key={i}>{p}</li>)}</ul>} />}
      {result.auditChain && (
        <Descriptions
          size="small"
          column={1}
          items={[
            {
              key: 'chain',
              label: b.auditChain,
              children: result.auditChain.ok ? (
                <Typography.Text type="success">{b.auditChainOk(result.auditChain.checked)}</Typography.Text>
              ) : (
                <Typography.Text type="danger">{b.auditChainBroken(result.auditChain.firstBrokenId ?? '?')}</Typography.Text>
              ),
            },
          ]}
        />
      )}
      <Table
        rowKey="name"
        size="small"
        pagination={false}
        scroll={{ y: 320 }}
        dataSource={result.tables}
        columns={[
          { key: 'name', title: b.table, dataIndex: 'name', render: (n: string) => <span className="order-number">{n}</span> },
          { key: 'rows', title: b.manifestRows, dataIndex: 'rows', align: 'right', width: 140, render: (n: number) => <span className="num">{n.toLocaleString()}</span> },
          {
            key: 'restored',
            title: b.restoredRows,
            dataIndex: 'restoredRows',
            align: 'right',
            width: 140,
            render: (n: number | null, row) => (n === null ? <span className="muted">—</span> : <Typography.Text type={n === row.rows ? undefined : 'danger'} className="num">{n.toLocaleString()}</Typography.Text>),
          },
        ]}
      />
    </Flex>
  );
}

function HelpIcon({ text }: { text: string }) {
  return (
    <Popover content={<div style={{ maxWidth: 320 }}>{text}</div>} trigger={['hover', 'click']}>
      <QuestionCircleOutlined className="muted" style={{ cursor: 'help' }} aria-label={text} />
    </Popover>
  );
}

function BackupList() {
  const t = useT();
  const b = t.reports.backups;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const backups = useQuery({ queryKey: backupKeys.list, queryFn: fetchBackups });
  const [report, setReport] = useState<BackupVerification | null>(null);
  const [verifying, setVerifying] = useState<string | null>(null);

  const create = useMutation({
    mutationFn: createBackup,
    onSuccess: (summary) => {
      message.success(b.createdToast(summary.name));
      void queryClient.invalidateQueries({ queryKey: backupKeys.list });
    },
    onError: showError,
  });

  const verify = useMutation({
    mutationFn: verifyBackup,
    onMutate: (name) => setVerifying(name),
    onSuccess: (result) => {
      setReport(result);
      void queryClient.invalidateQueries({ queryKey: backupKeys.list });
    },
    onError: showError,
    onSettled: () => setVerifying(null),
  });

  const columns: TableColumnsType<BackupSummary> = [
    { key: 'name', title: b.name, dataIndex: 'name', render: (n: string) => <span className="order-number">{n}</span> },
    { key: 'created', title: b.created, dataIndex: 'createdAt', width: 160, render: (v: string) => <DateTime value={v} /> },
    { key: 'source', title: b.source, dataIndex: 'sourceDialect', width: 120, render: (d: string) => <Tag>{d === 'postgres' ? 'PostgreSQL' : 'SQLite'}</Tag> },
    { key: 'size', title: b.size, dataIndex: 'sizeBytes', align: 'right', width: 110, render: (n: number) => <span className="num">{formatBytes(n)}</span> },
    {
      key: 'rows',
      title: b.rows,
      align: 'right',
      width: 140,
      render: (_, s) => (
        <Tooltip title={<div style={{ whiteSpace: 'pre' }}>{Object.entries(s.rowsByTable).map(([k, n]) => `${k}: ${n}`).join('\n')}</div>}>
          <Flex vertical align="flex-end" gap={0}>
            <span className="num">{s.rows.toLocaleString()}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {b.tables(s.tables)}
            </Typography.Text>
          </Flex>
        </Tooltip>
      ),
    },
    { key: 'state', title: b.state, width: 170, render: (_, s) => <VerificationState backup={s} /> },
    {
      key: 'actions',
      width: 120,
      align: 'right',
      render: (_, s) => (
        <Button size="small" icon={<SafetyCertificateOutlined />} loading={verifying === s.name} disabled={verifying !== null && verifying !== s.name} onClick={() => verify.mutate(s.name)} data-testid={`verify-${s.name}`}>
          {verifying === s.name ? b.verifying : b.verify}
        </Button>
      ),
    },
  ];

  const data = backups.data;
  return (
    <div className="section-gap">
      <PageHeader
        title={b.title}
        subtitle={data ? `${b.subtitle} ${b.directory(data.directory)}` : b.subtitle}
        extra={
          <Space size={8}>
            <HelpIcon text={b.backUpHelp} />
            <RiskHelp action="backupRestore" />
            <Button type="primary" icon={<CloudUploadOutlined />} loading={create.isPending} onClick={() => create.mutate()} data-testid="backup-now">
              {b.backUpNow}
            </Button>
          </Space>
        }
      />
      <Alert type="info" showIcon title={b.verifyHelp} description={<Typography.Text type="secondary">{b.restoreHelp}</Typography.Text>} />
      {data && data.unreadable.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={b.unreadable(data.unreadable.length)}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {data.unreadable.map((u) => (
                <li key={u.name}>
                  <span className="order-number">{u.name}</span>: {u.problem}
                </li>
              ))}
            </ul>
          }
        />
      )}
      <Card variant="borderless" styles={{ body: { padding: 0 } }}>
        <Flex justify="flex-end" style={{ padding: '12px 16px' }}>
          <Button size="small" icon={<ReloadOutlined />} onClick={() => backups.refetch()} loading={backups.isFetching} aria-label={t.common.refresh} title={t.common.refresh} />
        </Flex>
        {backups.isError ? (
          <LoadFailed error={backups.error} onRetry={() => backups.refetch()} />
        ) : (
          <Table<BackupSummary>
            data-tour="backups-table"
            rowKey="name"
            size="middle"
            data-testid="backups-table"
            columns={columns}
            dataSource={data?.items ?? []}
            loading={backups.isFetching}
            pagination={(data?.items.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
            scroll={{ x: 900 }}
            locale={{ emptyText: backups.isPending ? <div style={{ height: 120 }} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={b.empty} /> }}
          />
        )}
      </Card>
      <Modal open={report !== null} title={report ? `${b.verify} · ${report.name}` : ''} onCancel={() => setReport(null)} footer={<Button onClick={() => setReport(null)}>{b.close}</Button>} width={640} destroyOnHidden data-testid="verify-report">
        {report && <VerificationReport result={report} />}
      </Modal>
    </div>
  );
}

export default function BackupsPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'backups.manage')} permissions={['backups.manage']}>
      <BackupList />
    </RequireAccess>
  );
}
