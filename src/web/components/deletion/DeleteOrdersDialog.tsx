import { CheckOutlined, DeleteOutlined, DownloadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Col, Flex, Form, Input, Modal, Progress, Row, Select, Spin, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import {
  DEFAULT_RETENTION_DAYS,
  DELETE_REASON_CODES,
  DeletePreview,
  DeleteReason,
  type DeleteReasonCode,
  type DeleteResult,
} from '../../../contracts/deletion.js';
import { deleteOrders, deletionKeys, fetchOrdersCopy, fetchRetention, previewDeletion, type DeletionTarget } from '../../api/deletion.js';
import { ProblemError } from '../../api/http.js';
import { hasPermission } from '../../auth/permissions.js';
import { useSession } from '../../auth/session.js';
import { checkWithSchema, parseFieldPath } from '../../forms/schema-errors.js';
import type { Messages } from '../../i18n/en.js';
import { translateMessage, useT } from '../../i18n/locale.js';
import { DeletionImpact } from './DeletionImpact.js';
import { describePreviewChanges } from './preview-changes.js';
import { useSubmissionKey } from './use-submission-key.js';
import { useTrainingGate } from '../../guidance/training-gate.js';

/** Above this many orders the user types the count to confirm (SPEC §3 / issue 5). */
export const TYPE_COUNT_ABOVE = 20;

interface ReasonValues {
  code?: DeleteReasonCode;
  note?: string;
}

interface DeleteOrdersDialogProps {
  /** The orders to delete; the dialog is shown while this is set. */
  target: DeletionTarget;
  /** A preview already taken (the "select all N matching" count), shown without asking again. */
  initialPreview?: DeletePreview;
  onClose(): void;
  onDeleted(result: DeleteResult): void;
  /** Selections by id may drop their blocked orders and preview the rest. */
  onDeselect?(ids: string[]): void;
}

interface StaleNotice {
  lines: string[];
}

const deletionMessage = (t: Messages, message: string) => t.deletion.validation[message] ?? translateMessage(t, message);

function saveJson(data: unknown, filename: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Deleting thousands of orders is one request: show how long it has run against a rough estimate. */
function useElapsed(running: boolean): number {
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    if (!running) return setElapsed(0);
    const started = Date.now();
    const timer = setInterval(() => setElapsed(Date.now() - started), 200);
    return () => clearInterval(timer);
  }, [running]);
  return elapsed;
}

/**
 * The one confirmation dialog for deleting orders, from the list (a selection or every order matching the
 * filter) and from the order page. It shows the server's preview, asks for a reason, offers a JSON copy,
 * asks to type the count for large deletions, and deletes exactly the previewed set.
 */
export function DeleteOrdersDialog({ target, initialPreview, onClose, onDeleted, onDeselect }: DeleteOrdersDialogProps) {
  const t = useT();
  const d = t.deletion.dialog;
  const { message } = App.useApp();
  const { me } = useSession();
  const [form] = Form.useForm<ReasonValues>();
  const code = Form.useWatch('code', form);
  const keyFor = useSubmissionKey();
  const trainingGate = useTrainingGate();

  const targetKey = JSON.stringify(target);
  const [preview, setPreview] = useState<DeletePreview | null>(initialPreview ?? null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [stale, setStale] = useState<StaleNotice | null>(null);
  const [submitError, setSubmitError] = useState<unknown>(null);
  const [typed, setTyped] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [copy, setCopy] = useState<'idle' | 'busy' | 'done'>('idle');
  const elapsed = useElapsed(submitting);
  // The target the shown preview belongs to; a given initial preview is not asked for again.
  const previewedTarget = useRef(initialPreview ? targetKey : null);

  const retention = useQuery({ queryKey: deletionKeys.retention, queryFn: fetchRetention, staleTime: 60_000 });
  const retentionDays = retention.data?.days ?? DEFAULT_RETENTION_DAYS;

  // A new target (blocked orders taken out of the selection) needs a new preview.
  useEffect(() => {
    if (previewedTarget.current === targetKey) return;
    previewedTarget.current = targetKey;
    setPreview(null);
    setLoadError(null);
    // Only the answer for the latest target counts; a slower earlier one is dropped.
    const current = () => previewedTarget.current === targetKey;
    previewDeletion(target).then(
      (fresh) => current() && setPreview(fresh),
      (error) => {
        if (!current()) return;
        if (trainingGate(error)) onClose();
        else setLoadError(error);
      },
    );
  }, [targetKey]); // keyed on targetKey: `target` is a new object on every render

  const count = preview?.count ?? 0;
  const needsTypedCount = count > TYPE_COUNT_ABOVE;
  const typedOk = !needsTypedCount || typed.trim().replace(/[,\s]/g, '') === String(count);
  const canConfirm = Boolean(preview?.deletable) && count > 0 && typedOk && !submitting;

  // Any complaint about the code means none of the six was chosen.
  const placeFieldErrors = (issues: Array<{ path: Array<string | number>; message: string }>) => {
    form.setFields(
      issues
        .filter((i) => i.path[0] === 'code' || i.path[0] === 'note')
        .map((i) => ({ name: i.path[0] as 'code' | 'note', errors: [i.path[0] === 'code' ? d.reasonRequired : deletionMessage(t, i.message)] })),
    );
  };

  const submit = async () => {
    if (!preview || !canConfirm) return;
    const values = form.getFieldsValue();
    const reason = checkWithSchema(DeleteReason, { code: values.code, note: values.note });
    if (!reason.ok) return placeFieldErrors(reason.issues);
    const body = { target, reason: reason.data, previewToken: preview.previewToken };
    setSubmitting(true);
    setSubmitError(null);
    try {
      const result = await deleteOrders(target, reason.data, preview.previewToken, keyFor(body));
      onDeleted(result);
    } catch (error) {
      if (trainingGate(error)) return onClose();
      const fresh = error instanceof ProblemError && error.status === 409 ? DeletePreview.safeParse(error.problem.preview) : null;
      if (fresh?.success) {
        // The set changed (or the token expired) since the preview: show the new one and what moved.
        setStale({ lines: describePreviewChanges(preview, fresh.data, t) });
        setPreview(fresh.data);
        setTyped('');
      } else if (error instanceof ProblemError && error.status === 400 && error.fieldErrors.length) {
        placeFieldErrors(error.fieldErrors.map((e) => ({ path: parseFieldPath(e.field).slice(1), message: e.message })));
        setSubmitError(error);
      } else {
        setSubmitError(error);
      }
    } finally {
      setSubmitting(false);
    }
  };

  const downloadCopy = async () => {
    if (!preview) return;
    setCopy('busy');
    try {
      const orders = await fetchOrdersCopy(
        target,
        preview.orders.map((o) => o.id),
        hasPermission(me, 'orders.export'),
      );
      saveJson(orders, `orders-before-deletion-${dayjs().format('YYYYMMDD-HHmmss')}.json`);
      setCopy('done');
    } catch {
      message.error(d.downloadFailed);
      setCopy('idle');
    }
  };

  const title = preview ? d.title(count) : d.titleLoading;
  const problemText = (error: unknown) => (error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : t.errors.network);
  const errorTitle = (error: unknown) =>
    error instanceof ProblemError ? ((t.problems.byStatus as Record<number, string>)[error.status] ?? t.errors.generic) : t.errors.generic;
  const estimateMs = 500 + count * 0.6;

  return (
    <Modal
      open
      title={
        <span data-testid="delete-dialog-title">
          <DeleteOutlined style={{ color: '#cf1322', marginInlineEnd: 8 }} />
          {title}
        </span>
      }
      width={820}
      onCancel={() => !submitting && onClose()}
      maskClosable={false}
      keyboard={!submitting}
      closable={!submitting}
      footer={
        <Flex justify="space-between" align="center" gap={8} wrap>
          <Button
            icon={copy === 'done' ? <CheckOutlined /> : <DownloadOutlined />}
            onClick={downloadCopy}
            loading={copy === 'busy'}
            disabled={!preview || count === 0 || submitting}
            data-testid="deletion-download"
          >
            {copy === 'busy' ? d.downloading : copy === 'done' ? d.downloaded : d.download}
          </Button>
          <Flex gap={8}>
            <Button onClick={onClose} disabled={submitting}>
              {t.common.cancel}
            </Button>
            <Button type="primary" danger icon={<DeleteOutlined />} disabled={!canConfirm} loading={submitting} onClick={submit} data-testid="confirm-delete">
              {d.confirm(count)}
            </Button>
          </Flex>
        </Flex>
      }
      styles={{ body: { maxHeight: 'calc(100vh - 250px)', overflowY: 'auto', paddingInlineEnd: 8 } }}
      data-testid="delete-dialog"
    >
      <div data-testid="delete-dialog-body">
        <Flex vertical gap={16}>
          <Alert type="info" showIcon title={d.help} description={d.helpBody(retentionDays)} data-testid="deletion-help" />
          {stale && (
            <Alert
              type="warning"
              showIcon
              closable
              onClose={() => setStale(null)}
              data-testid="deletion-stale"
              title={stale.lines.length ? d.stale : d.staleExpired}
              description={stale.lines.length ? <ul style={{ margin: 0, paddingInlineStart: 18 }}>{stale.lines.map((line) => <li key={line}>{line}</li>)}</ul> : undefined}
            />
          )}
          {loadError ? (
            <Alert type="error" showIcon title={d.previewFailed} description={problemText(loadError)} />
          ) : !preview ? (
            <Flex justify="center" align="center" gap={12} style={{ padding: 48 }}>
              <Spin />
              <Typography.Text type="secondary">{d.loading}</Typography.Text>
            </Flex>
          ) : count === 0 ? (
            <Alert type="warning" showIcon title={d.emptyTarget} />
          ) : (
            <DeletionImpact preview={preview} onDeselect={'ids' in target ? onDeselect : undefined} />
          )}

          {preview && count > 0 && (
            <Form<ReasonValues> form={form} layout="vertical" requiredMark="optional" disabled={submitting || !preview.deletable} data-testid="deletion-reason-form">
              <Row gutter={16}>
                <Col xs={24} md={10}>
                  <Form.Item name="code" label={d.reason} required style={{ marginBottom: 12 }}>
                    <Select<DeleteReasonCode>
                      placeholder={d.reasonPlaceholder}
                      options={DELETE_REASON_CODES.map((c) => ({ value: c, label: t.deletion.reasons[c] }))}
                      onChange={() => form.setFields([{ name: 'code', errors: [] }])}
                      data-testid="deletion-reason"
                    />
                  </Form.Item>
                </Col>
                <Col xs={24} md={14}>
                  <Form.Item name="note" label={d.note} required={code === 'other'} style={{ marginBottom: 12 }}>
                    <Input.TextArea
                      autoSize={{ minRows: 1, maxRows: 4 }}
                      count={{ show: true, max: 500 }}
                      placeholder={d.notePlaceholder}
                      onChange={() => form.setFields([{ name: 'note', errors: [] }])}
                      data-testid="deletion-note"
                    />
                  </Form.Item>
                </Col>
              </Row>
              {needsTypedCount && (
                <Form.Item
                  label={d.typeCount(count)}
                  required
                  style={{ marginBottom: 12 }}
                  validateStatus={typed && !typedOk ? 'error' : undefined}
                  help={typed && !typedOk ? d.typeCountMismatch : undefined}
                >
                  <Input value={typed} onChange={(e) => setTyped(e.target.value)} inputMode="numeric" autoComplete="off" style={{ maxWidth: 200 }} data-testid="deletion-type-count" />
                </Form.Item>
              )}
            </Form>
          )}

          {submitting && count > TYPE_COUNT_ABOVE && (
            <div data-testid="deletion-progress">
              <Progress percent={Math.min(95, Math.round((elapsed / estimateMs) * 100))} status="active" showInfo={false} />
              <Typography.Text type="secondary">{d.progress(count, Math.floor(elapsed / 1000))}</Typography.Text>
            </div>
          )}
          {submitError !== null && <Alert type="error" showIcon title={errorTitle(submitError)} description={problemText(submitError)} data-testid="deletion-error" />}
        </Flex>
      </div>
    </Modal>
  );
}
