import { QuestionCircleOutlined } from '@ant-design/icons';
import { Button, Popover, Typography } from 'antd';
import { Link } from 'react-router';
import { useT } from '../../i18n/locale.js';

type RiskyAction = 'delete' | 'purge' | 'restore' | 'requestRestore' | 'approveRestore' | 'cleanup' | 'backupRestore';
const ARTICLE: Record<RiskyAction, string> = {
  delete: 'deleting-safely',
  purge: 'purge',
  restore: 'restoring',
  requestRestore: 'restoring',
  approveRestore: 'restoring',
  cleanup: 'cleanup-and-data-quality',
  backupRestore: 'backup-and-export',
};

/**
 * "What happens" next to a risky action: a keyboard-focusable button named for the action (screen readers say
 * "What happens: Delete"), opening a sentence or two and a link to the help-centre article.
 */
export function RiskHelp({ action }: { action: RiskyAction }) {
  const t = useT();
  const g = t.guidance.risk;
  const text = g[action];
  return (
    <Popover
      trigger={['click', 'focus']}
      title={text.action}
      content={
        <div style={{ maxWidth: 320 }}>
          <Typography.Paragraph style={{ marginBottom: 8 }}>{text.text}</Typography.Paragraph>
          <Link to={`/help/${ARTICLE[action]}`}>{g.readMore}</Link>
        </div>
      }
    >
      <Button type="text" size="small" shape="circle" icon={<QuestionCircleOutlined />} aria-label={g.label(text.action)} data-testid={`risk-help-${action}`} />
    </Popover>
  );
}
