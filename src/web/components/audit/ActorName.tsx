import { ApiOutlined, RobotOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import type { AuditActorView } from '../../../contracts/audit.js';
import { useT } from '../../i18n/locale.js';

/**
 * Who did it: the person's display name, with the username recorded at the time on hover (the evidence); marked
 * when it was an API token or the system rather than a person.
 */
export function ActorName({ actor }: { actor: AuditActorView }) {
  const t = useT();
  const name = actor.displayName ?? actor.name ?? (actor.type === 'system' ? t.reports.history.system : t.reports.history.unknownActor);
  if (actor.type === 'user') {
    return actor.displayName && actor.name && actor.displayName !== actor.name ? (
      <Tooltip title={actor.name}>
        <span className="nowrap">{name}</span>
      </Tooltip>
    ) : (
      <span className="nowrap">{name}</span>
    );
  }
  return (
    <Tooltip title={t.reports.actorTypes[actor.type]}>
      <Tag icon={actor.type === 'token' ? <ApiOutlined /> : <RobotOutlined />} color={actor.type === 'token' ? 'geekblue' : 'default'} style={{ marginInlineEnd: 0 }}>
        {name}
      </Tag>
    </Tooltip>
  );
}
