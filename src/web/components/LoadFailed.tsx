import { Button, Result } from 'antd';
import { ProblemError } from '../api/http.js';
import { useT } from '../i18n/locale.js';

/** A failed load, with the server's reason and a way to try again. */
export function LoadFailed({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  const detail = error instanceof ProblemError ? (error.problem.detail ?? error.problem.title) : t.errors.network;
  return (
    <Result
      status="warning"
      title={t.errors.loadFailed}
      subTitle={detail}
      extra={onRetry && <Button onClick={onRetry}>{t.common.retry}</Button>}
    />
  );
}
