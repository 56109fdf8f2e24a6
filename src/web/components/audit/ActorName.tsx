import { ApiOutlined, RobotOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import type { AuditActorView } from '../../../contracts/audit.js';
import { useT } from '../../i18n/locale.js';

/** Who did it: the name recorded at the time, marked when it was an API token or the system rather than a person. */
export function ActorName({ actor }: { actor: AuditActorView }) {
  const t = useT();
  const name = actor.name ?? (actor.type === 'system' ? t.reports.history.system : t.reports.history.unknownActor);
  if (actor.type === 'user') return <span className="nowrap">{name}</span>;
  return (
    <Tooltip title={t.reports.actorTypes[actor.type]}>
      <Tag icon={actor.type === 'token' ? <ApiOutlined /> : <RobotOutlined />} color={actor.type === 'token' ? 'geekblue' : 'default'} style={{ marginInlineEnd: 0 }}>
        {name}
      </Tag>
    </Tooltip>
  );
}
