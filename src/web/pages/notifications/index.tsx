import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Empty, List, Segmented, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { NOTIFICATION_TOPICS, type NotificationTopic, type NotificationView } from '../../../contracts/notifications.js';
import { getPreferences, listNotifications, markNotificationsRead, notificationKeys, putPreferences } from '../../api/notifications.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { useShowError } from '../../components/use-show-error.js';
import { useLocale } from '../../i18n/locale.js';
import { NotificationItem } from '../../layout/NotificationBell.js';

export default function NotificationsPage() {
  const { t, language } = useLocale();
  const n = t.notifications;
  const [unreadOnly, setUnreadOnly] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const pages = useInfiniteQuery({
    queryKey: notificationKeys.list(unreadOnly, language),
    queryFn: ({ pageParam }) => listNotifications({ unread: unreadOnly, cursor: pageParam, limit: 50, lang: language }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const markRead = useMutation({
    mutationFn: markNotificationsRead,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: notificationKeys.all }),
    onError: showError,
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const unread = pages.data?.pages[0]?.unread ?? 0;
  const open = (item: NotificationView) => {
    if (!item.readAt) markRead.mutate({ ids: [item.id] });
    if (item.link) void navigate(item.link);
  };
  return (
    <div className="section-gap">
      <PageHeader
        title={n.inbox.title}
        subtitle={n.inbox.subtitle}
        extra={
          <Space>
            <Segmented
              value={unreadOnly ? 'unread' : 'all'}
              onChange={(v) => setUnreadOnly(v === 'unread')}
              options={[
                { value: 'all', label: n.inbox.all },
                { value: 'unread', label: `${n.inbox.unreadOnly} (${unread})` },
              ]}
            />
            <Button disabled={unread === 0} loading={markRead.isPending} onClick={() => markRead.mutate({ all: true })} data-testid="mark-all-read">
              {n.inbox.markAll}
            </Button>
          </Space>
        }
      />
      <Card variant="borderless">
        {pages.isError && !pages.data ? (
          <LoadFailed error={pages.error} onRetry={() => pages.refetch()} />
        ) : items.length === 0 && !pages.isPending ? (
          <Empty description={n.inbox.empty} />
        ) : (
          <div data-testid="notification-list">
            <List loading={pages.isPending} dataSource={items} renderItem={(item) => <NotificationItem item={item} onOpen={open} />} />
          </div>
        )}
        {pages.hasNextPage && (
          <Button block style={{ marginTop: 12 }} loading={pages.isFetchingNextPage} onClick={() => pages.fetchNextPage()}>
            {n.inbox.more}
          </Button>
        )}
      </Card>
      <Preferences />
    </div>
  );
}

function Preferences() {
  const { t } = useLocale();
  const n = t.notifications;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const prefs = useQuery({ queryKey: notificationKeys.preferences, queryFn: getPreferences });
  const save = useMutation({
    mutationFn: (change: { topic: NotificationTopic; inApp: boolean; email: boolean }) => putPreferences({ topics: { [change.topic]: { inApp: change.inApp, email: change.email } } }),
    onSuccess: (data) => {
      queryClient.setQueryData(notificationKeys.preferences, data);
      message.success(n.preferences.saved);
    },
    onError: showError,
  });
  const rows = NOTIFICATION_TOPICS.map((topic) => ({ topic, ...(prefs.data?.topics[topic] ?? { inApp: false, email: false }) }));
  return (
    <Card variant="borderless" title={n.preferences.title} extra={<Typography.Text type="secondary">{n.preferences.subtitle}</Typography.Text>}>
      <Table
        rowKey="topic"
        size="small"
        pagination={false}
        loading={prefs.isPending}
        dataSource={rows}
        columns={[
          { key: 'topic', title: n.preferences.topic, dataIndex: 'topic', render: (topic: NotificationTopic) => n.topics[topic] },
          {
            key: 'inApp',
            title: n.preferences.inApp,
            width: 100,
            render: (_: unknown, r) => <Checkbox checked={r.inApp} onChange={(e) => save.mutate({ topic: r.topic, inApp: e.target.checked, email: r.email })} aria-label={`${n.topics[r.topic]} · ${n.preferences.inApp}`} />,
          },
          {
            key: 'email',
            title: n.preferences.email,
            width: 100,
            render: (_: unknown, r) => <Checkbox checked={r.email} onChange={(e) => save.mutate({ topic: r.topic, inApp: r.inApp, email: e.target.checked })} aria-label={`${n.topics[r.topic]} · ${n.preferences.email}`} />,
          },
        ]}
      />
    </Card>
  );
}
