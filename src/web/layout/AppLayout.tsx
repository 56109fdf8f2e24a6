import { MenuOutlined } from '@ant-design/icons';
import { Button, Drawer, Grid, Layout, Menu } from 'antd';
import { Suspense, useState } from 'react';
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
import { GlobalSearch } from './GlobalSearch.js';
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
  // Below md (768 px) the side menu would take a third of a phone's width: it opens as a drawer instead.
  const screens = Grid.useBreakpoint();
  const phone = screens.md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);

  const items = NAVIGATION.map((group) => ({
    type: 'group' as const,
    key: group.key,
    label: group.label(t),
    children: group.entries
      .filter((e) => (!e.permission || hasPermission(me, e.permission)) && (!e.visible || e.visible(me)))
      .map((e) => ({ key: e.path, icon: e.icon, label: <span data-tour={`nav-${e.path}`}>{e.label(t)}</span> })),
  })).filter((g) => g.children.length > 0);

  const brand = (
    <div className="brand" onClick={() => navigate('/')} role="link" tabIndex={0}>
      <span className="brand-mark">O</span>
      <span className="brand-name">{t.app.name}</span>
    </div>
  );
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={selected ? [selected] : []}
      items={items}
      onClick={({ key }) => {
        setDrawerOpen(false);
        void navigate(key);
      }}
      className="app-menu"
    />
  );

  return (
    <Layout className={practice.active ? 'app-shell in-practice' : 'app-shell'}>
      {phone ? (
        <Drawer
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          placement="left"
          size={260}
          title={t.phone.menu}
          closable={false}
          styles={{ body: { padding: 0 }, header: { display: 'none' } }}
          className="app-drawer"
        >
          {brand}
          {menu}
        </Drawer>
      ) : (
        <Layout.Sider width={220} breakpoint="lg" collapsedWidth={64} theme="light" className="app-sider">
          {brand}
          {menu}
        </Layout.Sider>
      )}
      <Layout>
        <Layout.Header className="app-header">
          {phone ? <Button type="text" icon={<MenuOutlined />} aria-label={t.phone.openMenu} onClick={() => setDrawerOpen(true)} data-testid="menu-drawer-button" /> : <div />}
          <div className="app-header-tools">
            <GlobalSearch />
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
