import { ArrowRightOutlined } from '@ant-design/icons';
import { Descriptions, Table, Typography, type TableColumnsType } from 'antd';
import { ORDER_STATUSES, type OrderStatus } from '../../../contracts/orders.js';
import { useT } from '../../i18n/locale.js';
import { Money } from '../Money.js';
import { StatusTag } from '../StatusTag.js';
import { useUserNames } from './use-user-names.js';
import './audit.css';

/**
 * A recorded diff is `{field: {from, to}}` for changes, or plain `{field: value}` for what a create, delete
 * or export recorded. Changes are shown as a before → after table, plain values as details.
 */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isChange(v: unknown): v is { from: unknown; to: unknown } {
  return isRecord(v) && 'from' in v && 'to' in v && Object.keys(v).length === 2;
}

export function splitDiff(diff: unknown): { changes: FieldChange[]; details: Array<{ field: string; value: unknown }> } {
  if (diff === null || diff === undefined) return { changes: [], details: [] };
  if (!isRecord(diff)) return { changes: [], details: [{ field: '', value: diff }] };
  const changes: FieldChange[] = [];
  const details: Array<{ field: string; value: unknown }> = [];
  for (const [field, value] of Object.entries(diff)) {
    if (isChange(value)) changes.push({ field, before: value.from, after: value.to });
    else details.push({ field, value });
  }
  return { changes, details };
}

const MONEY_FIELDS = new Set(['total', 'paid', 'amount', 'reversed', 'price', 'unitPrice']);
const USER_FIELDS = new Set(['ownerId', 'deletedBy', 'actorId', 'requesterId']);
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** One recorded value, shown the way the rest of the app shows that kind of value. */
export function AuditValue({ field, value }: { field: string; value: unknown }) {
  const t = useT();
  const userNames = useUserNames();
  if (value === null || value === undefined || value === '') return <span className="muted">{t.reports.diff.empty}</span>;
  if (field === 'status' && typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value)) return <StatusTag status={value as OrderStatus} />;
  if (MONEY_FIELDS.has(field) && typeof value === 'string' && DECIMAL.test(value)) return <Money value={value} />;
  if (USER_FIELDS.has(field) && (typeof value === 'string' || typeof value === 'number')) {
    const name = userNames.get(String(value));
    return name ? <span>{name}</span> : <span className="num">#{String(value)}</span>;
  }
  if (typeof value === 'boolean') return <span>{value ? t.common.yes : t.common.no}</span>;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    if (value.length === 0) return <span className="muted">{t.reports.diff.empty}</span>;
    return (
      <div className="audit-value-list">
        {value.map((v, i) => (
          <div key={i}>{String(v)}</div>
        ))}
      </div>
    );
  }
  if (typeof value === 'object') {
    return (
      <Typography.Text code className="audit-json">
        {JSON.stringify(value)}
      </Typography.Text>
    );
  }
  // What is left is a scalar: a string shown as is, a number or boolean as JSON writes it.
  return <span className="audit-text">{typeof value === 'string' ? value : JSON.stringify(value)}</span>;
}

export function useFieldLabel(): (field: string) => string {
  const t = useT();
  return (field) => t.reports.fields[field] ?? field;
}

/** The changes of one entry as a before → after table, and what else it recorded as a list. */
export function AuditDiff({ diff, compact = false }: { diff: unknown; compact?: boolean }) {
  const t = useT();
  const label = useFieldLabel();
  const { changes, details } = splitDiff(diff);
  if (!changes.length && !details.length) return <Typography.Text type="secondary">{t.reports.diff.noChanges}</Typography.Text>;

  const columns: TableColumnsType<FieldChange> = [
    { key: 'field', title: t.reports.diff.field, dataIndex: 'field', width: compact ? 110 : 180, render: (f: string) => <Typography.Text strong>{label(f)}</Typography.Text> },
    { key: 'before', title: t.reports.diff.before, render: (_, c) => <AuditValue field={c.field} value={c.before} /> },
    { key: 'arrow', width: 32, align: 'center', render: () => <ArrowRightOutlined className="muted" /> },
    { key: 'after', title: t.reports.diff.after, render: (_, c) => <AuditValue field={c.field} value={c.after} /> },
  ];

  return (
    <div className="audit-diff" data-testid="audit-diff">
      {changes.length > 0 && (
        <Table<FieldChange>
          rowKey="field"
          size="small"
          bordered
          columns={columns}
          dataSource={changes}
          pagination={false}
          tableLayout="fixed"
          data-testid="audit-changes"
        />
      )}
      {details.length > 0 && (
        <Descriptions
          size="small"
          column={1}
          bordered
          style={{ marginTop: changes.length ? 8 : 0 }}
          styles={{ label: { width: compact ? 110 : 180 } }}
          items={details.map((d) => ({ key: d.field || 'value', label: d.field ? label(d.field) : t.reports.diff.details, children: <AuditValue field={d.field} value={d.value} /> }))}
        />
      )}
    </div>
  );
}

/** "Confirmed order" for `order.confirm`; an action without a translation is shown as recorded. */
export function useActionLabel(): (action: string) => string {
  const t = useT();
  return (action) => t.reports.actions[action] ?? action;
}
