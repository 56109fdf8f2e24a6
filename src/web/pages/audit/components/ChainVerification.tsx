import { QuestionCircleOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Popover, Space, Typography } from 'antd';
import type { AuditVerifyResult } from '../../../../contracts/audit.js';
import { verifyAuditChain } from '../../../api/audit.js';
import { useShowError } from '../../../components/use-show-error.js';
import { formatDateTime } from '../../../components/DateTime.js';
import { useT } from '../../../i18n/locale.js';

/** "Verify chain": re-computes the hash chain on the server and reports ok, or the first broken entry. */
export function useChainVerification() {
  const showError = useShowError();
  return useMutation({ mutationFn: verifyAuditChain, onError: showError });
}

export function VerifyChainButton({ loading, onVerify }: { loading: boolean; onVerify(): void }) {
  const t = useT();
  return (
    <Space.Compact>
      <Button icon={<SafetyCertificateOutlined />} loading={loading} onClick={onVerify} data-testid="verify-chain">
        {t.reports.audit.verify}
      </Button>
      <Popover content={<div style={{ maxWidth: 320 }}>{t.reports.audit.verifyHelp}</div>} trigger={['hover', 'click']}>
        <Button icon={<QuestionCircleOutlined />} aria-label={t.reports.audit.verifyHelp} />
      </Popover>
    </Space.Compact>
  );
}

export function ChainVerificationResult({ result, onClose }: { result: AuditVerifyResult; onClose(): void }) {
  const t = useT();
  const a = t.reports.audit;
  if (result.ok) {
    return (
      <Alert
        type="success"
        showIcon
        closable={{ onClose }}
        data-testid="verify-result"
        data-ok="true"
        title={a.verifyOk(result.checked)}
        description={
          result.lastId && (
            <Space orientation="vertical" size={0}>
              <Typography.Text type="secondary">{a.lastEntry(result.lastId)}</Typography.Text>
              {result.lastHash && (
                <Typography.Text type="secondary" copyable={{ text: result.lastHash }} style={{ wordBreak: 'break-all' }}>
                  <span className="order-number">{result.lastHash}</span>
                </Typography.Text>
              )}
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {a.lastHashHelp}
              </Typography.Text>
              <Typography.Text type={result.anchored ? 'secondary' : 'warning'} data-testid="verify-anchor">
                {result.anchored && result.anchoredId ? a.anchoredAt(result.anchoredId, formatDateTime(result.anchoredAt ?? ''), result.unanchoredEntries) : a.unanchored}
              </Typography.Text>
            </Space>
          )
        }
      />
    );
  }
  if (!result.firstBrokenId) {
    return (
      <Alert
        type="error"
        showIcon
        closable={{ onClose }}
        data-testid="verify-result"
        data-ok="false"
        title={a.verifyAnchorsFailed(result.problems.length)}
        description={a.verifyAnchorsFailedHelp}
      />
    );
  }
  return (
    <Alert
      type="error"
      showIcon
      closable={{ onClose }}
      data-testid="verify-result"
      data-ok="false"
      title={a.verifyBroken(result.firstBrokenId ?? '?')}
      description={a.verifyBrokenHelp(result.checked)}
    />
  );
}
