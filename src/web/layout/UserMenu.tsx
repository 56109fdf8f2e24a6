import { ApiOutlined, IdcardOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Avatar, Dropdown, Flex, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { useMe, useSession } from '../auth/session.js';
import { useT } from '../i18n/locale.js';

export function UserMenu() {
  const me = useMe();
  const { signOut } = useSession();
  const navigate = useNavigate();
  const t = useT();
  const roleNames = me.roles.map((r) => (t.roles as Record<string, string>)[r] ?? r).join(', ');
  const name = me.displayName || me.username;
  return (
    <Dropdown
      trigger={['click']}
      menu={{
        items: [
          {
            key: 'who',
            disabled: true,
            label: (
              <Flex vertical style={{ padding: '2px 0' }}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t.user.signedInAs}
                </Typography.Text>
                <Typography.Text strong>{me.username}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t.user.roles}: {roleNames}
                </Typography.Text>
              </Flex>
            ),
          },
          { type: 'divider' },
          { key: 'account', icon: <IdcardOutlined />, label: t.crm.account.nav, onClick: () => void navigate('/account') },
          { key: 'tokens', icon: <ApiOutlined />, label: t.admin.nav.tokens, onClick: () => void navigate('/tokens') },
          {
            key: 'sign-out',
            icon: <LogoutOutlined />,
            label: t.user.signOut,
            onClick: () => void signOut().then(() => navigate('/sign-in', { replace: true })),
          },
        ],
      }}
    >
      <button type="button" className="user-button" aria-label={name}>
        <Avatar size="small" icon={<UserOutlined />} style={{ backgroundColor: '#1f4f9c' }} />
        <span className="user-name">{name}</span>
      </button>
    </Dropdown>
  );
}
