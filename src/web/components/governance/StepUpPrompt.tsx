import { Alert, Flex, Form, Input, Modal } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ProblemError, setStepUpHandler } from '../../api/http.js';
import { stepUp } from '../../api/governance.js';
import { fieldIssueMessage } from '../../api/problem-messages.js';
import { useT } from '../../i18n/locale.js';

/**
 * The password prompt of step-up re-authentication (SPEC §5). Mounted once; the HTTP client opens it when a
 * request is refused with `step-up-required`, on top of whatever dialog sent that request, and sends the request
 * again once the password is confirmed. Cancelling lets the dialog show the refusal as usual.
 */
export function StepUpPrompt() {
  const t = useT();
  const s = t.governance.stepUp;
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const settle = useRef<((confirmed: boolean) => void) | null>(null);

  useEffect(() => {
    setStepUpHandler(
      () =>
        new Promise<boolean>((resolve) => {
          settle.current?.(false);
          settle.current = resolve;
          setPassword('');
          setError(null);
          setOpen(true);
        }),
    );
    return () => setStepUpHandler(null);
  }, []);

  const finish = (confirmed: boolean) => {
    setOpen(false);
    settle.current?.(confirmed);
    settle.current = null;
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await stepUp(password);
      finish(true);
    } catch (e) {
      const issue = e instanceof ProblemError ? e.fieldErrors[0] : undefined;
      setError(issue ? fieldIssueMessage(t, issue) : t.errors.network);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={s.title}
      okText={s.confirm}
      okButtonProps={{ loading: busy, disabled: password.length === 0, ...({ 'data-testid': 'step-up-confirm' } as object) }}
      cancelButtonProps={{ disabled: busy }}
      onOk={confirm}
      onCancel={() => !busy && finish(false)}
      maskClosable={false}
      zIndex={2000}
      destroyOnHidden
      data-testid="step-up-dialog"
    >
      <Flex vertical gap={12}>
        <Alert type="info" showIcon title={s.body} />
        <Form layout="vertical" onFinish={confirm}>
          <Form.Item label={s.password} required validateStatus={error ? 'error' : undefined} help={error ?? undefined} style={{ marginBottom: 0 }}>
            <Input.Password value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" autoFocus onPressEnter={() => password && void confirm()} data-testid="step-up-password" />
          </Form.Item>
        </Form>
      </Flex>
    </Modal>
  );
}
