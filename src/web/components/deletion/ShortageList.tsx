import { Alert, Table } from 'antd';
import { ProblemError } from '../../api/http.js';
import { useT } from '../../i18n/locale.js';

export interface Shortage {
  productId: string;
  sku: string;
  requested: number;
  available: number;
}

/** The products a restore could not re-reserve, from a 409 `insufficient_stock` problem; null for any other error. */
export function shortagesOf(error: unknown): Shortage[] | null {
  if (!(error instanceof ProblemError) || error.code !== 'insufficient_stock') return null;
  const list = error.problem.shortages;
  return Array.isArray(list) ? (list as Shortage[]) : [];
}

/**
 * Why a restore was refused: which products are short, by how much, and what to do. Framed as an error
 * alert inside a dialog's body; bare when it is the content of an error modal that already has the title.
 */
export function ShortageList({ shortages, framed = true }: { shortages: Shortage[]; framed?: boolean }) {
  const t = useT().deletion.shortage;
  const details = (
    <div data-testid={framed ? undefined : 'restore-shortages'}>
      <p style={{ marginTop: 0 }}>{t.body}</p>
      <Table<Shortage>
        size="small"
        rowKey="productId"
        pagination={false}
        dataSource={shortages}
        columns={[
          { key: 'sku', title: t.sku, dataIndex: 'sku', render: (sku: string) => <span className="order-number">{sku}</span> },
          { key: 'requested', title: t.requested, dataIndex: 'requested', align: 'right', render: (n: number) => <span className="num">{n}</span> },
          { key: 'available', title: t.available, dataIndex: 'available', align: 'right', render: (n: number) => <span className="num">{n}</span> },
        ]}
      />
    </div>
  );
  if (!framed) return details;
  return <Alert type="error" showIcon data-testid="restore-shortages" title={t.title} description={details} />;
}
