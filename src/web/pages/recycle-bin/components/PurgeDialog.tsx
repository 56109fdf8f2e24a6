import { Alert, Flex, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { PURGE_CONFIRMATION, type PurgeResult, type RecycleBinItem } from '../../../../contracts/deletion.js';
import { purgeOrders } from '../../../api/deletion.js';
import type { PurgeRequested } from '../../../../contracts/governance.js';
import { ProblemError } from '../../../api/http.js';
import { describeProblem } from '../../../api/problem-messages.js';
import { useSubmissionKey } from '../../../components/deletion/use-submission-key.js';
import { useT } from '../../../i18n/locale.js';

/** How many numbers the dialog lists before "…"; the count in the title is what matters. */
const LISTED = 12;

/** Permanent deletion: admin only, and only after typing PURGE (SPEC §3). */
export function PurgeDialog({ orders, onClose, onPurged }: { orders: RecycleBinItem[]; onClose(): void; onPurged(result: PurgeResult | PurgeRequested): void }) {
  const t = useT();
  const p = t.deletion.purge;
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const keyFor = useSubmissionKey();
  const matches = typed.trim() === PURGE_CONFIRMATION;

  const purge = async () => {
    const ids = orders.map((o) => o.id);
    setBusy(true);
    setError(null);
    try {
      onPurged(await purgeOrders(ids, PURGE_CONFIRMATION, keyFor({ ids })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const numbers = orders.map((o) => o.number);
  return (
    <Modal
      open
      title={p.title(orders.length)}
      okText={p.confirm}
      okButtonProps={{ danger: true, disabled: !matches, loading: busy, ...({ 'data-testid': 'confirm-purge' } as object) }}
      cancelButtonProps={{ disabled: busy }}
      onOk={purge}
      onCancel={() => !busy && onClose()}
      maskClosable={false}
      width={560}
      data-testid="purge-dialog"
    >
      <Flex vertical gap={12}>
        <Alert type="error" showIcon title={p.warning} description={p.body} />
        <Typography.Paragraph style={{ margin: 0 }}>
          {numbers.slice(0, LISTED).map((n) => (
            <span key={n} className="order-number" style={{ marginInlineEnd: 10 }}>
              {n}
            </span>
          ))}
          {numbers.length > LISTED && <span className="muted">… (+{numbers.length - LISTED})</span>}
        </Typography.Paragraph>
        <Form layout="vertical">
          <Form.Item label={p.typeToConfirm} required validateStatus={typed && !matches ? 'error' : undefined} help={typed && !matches ? p.mismatch : undefined} style={{ marginBottom: 0 }}>
            <Input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" placeholder={PURGE_CONFIRMATION} style={{ maxWidth: 220 }} data-testid="purge-type" />
          </Form.Item>
        </Form>
        {error !== null && <Alert type="error" showIcon title={error instanceof ProblemError ? describeProblem(t, error.status, error.problem).description : t.errors.network} data-testid="purge-error" />}
      </Flex>
    </Modal>
  );
}
