import { Tag } from 'antd';
import { useT } from '../../i18n/locale.js';

/** One colour per kind of act, by the action's verb: red for what removes, green for what restores or pays. */
export function actionColour(action: string): string {
  const verb = action.slice(action.lastIndexOf('.') + 1);
  switch (verb) {
    case 'create':
      return 'blue';
    case 'update':
      return 'orange';
    case 'confirm':
      return 'cyan';
    case 'ship':
      return 'purple';
    case 'complete':
    case 'restore':
    case 'payment':
    case 'approve':
      return 'green';
    case 'cancel':
    case 'delete':
    case 'login_failed':
    case 'reject':
    case 'revoke':
      return 'red';
    case 'purge':
      return 'magenta';
    case 'refund':
    case 'adjust':
      return 'gold';
    case 'receive':
      return 'lime';
    case 'export':
    case 'verify':
      return 'geekblue';
    default:
      return 'default';
  }
}

/** The action as people say it ("Confirmed order"), the recorded name on hover. */
export function ActionTag({ action }: { action: string }) {
  const t = useT();
  return (
    <Tag color={actionColour(action)} className="audit-action-tag" title={action} data-action={action}>
      {t.reports.actions[action] ?? action}
    </Tag>
  );
}
