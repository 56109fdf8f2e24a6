import { Layout, Menu } from 'antd';
import { Suspense } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { hasPermission } from '../auth/permissions.js';
import { useMe } from '../auth/session.js';
import { useT } from '../i18n/locale.js';
import { PageSpinner } from '../components/PageSpinner.js';
import { LanguageSwitch } from './LanguageSwitch.js';
import { NotificationBell } from './NotificationBell.js';
import { activeEntry, NAVIGATION } from './navigation.js';
import { UserMenu } from './UserMenu.js';
import { TourProvider } from '../guidance/tours.js';
import '../guidance/guidance.css';
import { HelpMenu } from './HelpMenu.js';
import { PracticeBanner, PracticeProvider, usePractice } from './PracticeBanner.js';

export function AppLayout() {
  return (
    <PracticeProvider>
      <TourProvider>
        <Shell />
      </TourProvider>
    </PracticeProvider>
  );
}

function Shell() {
  const practice = usePractice();
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const selected = activeEntry(location.pathname)?.path;

  const items = NAVIGATION.map((group) => ({
    type: 'group' as const,
    key: group.key,
    label: group.label(t),
    children: group.entries
      .filter((e) => (!e.permission || hasPermission(me, e.permission)) && (!e.visible || e.visible(me)))
      .map((e) => ({ key: e.path, icon: e.icon, label: <span data-tour={`nav-${e.path}`}>{e.label(t)}</span> })),
  })).filter((g) => g.children.length > 0);

  return (
    <Layout className={practice.active ? 'app-shell in-practice' : 'app-shell'}>
      <Layout.Sider width={220} breakpoint="lg" collapsedWidth={64} theme="light" className="app-sider">
        <div className="brand" onClick={() => navigate('/')} role="link" tabIndex={0}>
          <span className="brand-mark">O</span>
          <span className="brand-name">{t.app.name}</span>
        </div>
        <Menu mode="inline" selectedKeys={selected ? [selected] : []} items={items} onClick={({ key }) => navigate(key)} className="app-menu" />
      </Layout.Sider>
      <Layout>
        <Layout.Header className="app-header">
          <div />
          <div className="app-header-tools">
            <NotificationBell />
            <HelpMenu />
            <LanguageSwitch />
            <UserMenu />
          </div>
        </Layout.Header>
        <PracticeBanner />
        <Layout.Content className="app-content">
          <Suspense fallback={<PageSpinner />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
