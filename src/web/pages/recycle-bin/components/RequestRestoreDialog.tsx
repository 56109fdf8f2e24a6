import { Alert, Flex, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { CreateRestoreRequestInput, type RecycleBinItem, type RestoreRequestView } from '../../../../contracts/deletion.js';
import { createRestoreRequest } from '../../../api/deletion.js';
import { ProblemError } from '../../../api/http.js';
import { checkWithSchema } from '../../../forms/schema-errors.js';
import { translateMessage, useT } from '../../../i18n/locale.js';

/** For users without `orders.restore`: ask an approver to bring the orders back, saying why. */
export function RequestRestoreDialog({ orders, onClose, onSent }: { orders: RecycleBinItem[]; onClose(): void; onSent(request: RestoreRequestView): void }) {
  const t = useT();
  const r = t.deletion.requestDialog;
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const send = async () => {
    const input = checkWithSchema(CreateRestoreRequestInput, { ids: orders.map((o) => o.id), note });
    if (!input.ok) {
      const issue = input.issues.find((i) => i.path[0] === 'note');
      if (issue) return setNoteError(t.deletion.validation[issue.message] ?? translateMessage(t, issue.message));
      return setError(new Error(input.issues[0]?.message));
    }
    setBusy(true);
    setError(null);
    try {
      onSent(await createRestoreRequest(input.data));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={r.title(orders.length)}
      okText={r.submit}
      okButtonProps={{ loading: busy }}
      onOk={send}
      onCancel={() => !busy && onClose()}
      width={520}
      data-testid="request-restore-dialog"
    >
      <Flex vertical gap={12}>
        <Alert type="info" showIcon title={r.help} />
        <Typography.Paragraph style={{ margin: 0 }}>
          {orders.map((o) => (
            <span key={o.id} className="order-number" style={{ marginInlineEnd: 10 }}>
              {o.number}
            </span>
          ))}
        </Typography.Paragraph>
        <Form layout="vertical">
          <Form.Item label={r.note} required validateStatus={noteError ? 'error' : undefined} help={noteError ?? undefined} style={{ marginBottom: 0 }}>
            <Input.TextArea
              value={note}
              onChange={(e) => {
                setNote(e.target.value);
                setNoteError(null);
              }}
              autoSize={{ minRows: 2, maxRows: 5 }}
              count={{ show: true, max: 1000 }}
              placeholder={r.notePlaceholder}
              data-testid="request-restore-note"
            />
          </Form.Item>
        </Form>
        {error !== null && <Alert type="error" showIcon title={error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : error instanceof Error && error.message ? error.message : t.errors.network} />}
      </Flex>
    </Modal>
  );
}
