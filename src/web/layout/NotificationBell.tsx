import { BellOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Badge, Button, Drawer, Empty, Flex, List, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { NotificationView } from '../../contracts/notifications.js';
import { listNotifications, markNotificationsRead, notificationKeys } from '../api/notifications.js';
import { useMe } from '../auth/session.js';
import { DateTime } from '../components/DateTime.js';
import { useLocale } from '../i18n/locale.js';

/**
 * The unread count, live: the server pushes it over Server-Sent Events whenever it changes. EventSource
 * reconnects by itself after a dropped connection; when the browser gives up (the stream closed for good, e.g.
 * the server restarted), a fresh one is opened after a pause. A user who owes the new password an admin asked
 * for is refused everything but the account page (403), so no stream is opened for them.
 */
export function useUnreadCount(): number | null {
  const [unread, setUnread] = useState<number | null>(null);
  const queryClient = useQueryClient();
  const held = useMe().mustChangePassword === true;
  useEffect(() => {
    if (held) return;
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let closed = false;
    const open = () => {
      source = new EventSource('/api/notifications/stream');
      source.addEventListener('notification', (event) => {
        const { unread: n } = JSON.parse((event as MessageEvent<string>).data) as { unread: number };
        setUnread(n);
        void queryClient.invalidateQueries({ queryKey: notificationKeys.all });
      });
      source.onerror = () => {
        if (source?.readyState === EventSource.CLOSED && !closed) retry = setTimeout(open, 5000);
      };
    };
    open();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [queryClient, held]);
  return unread;
}

export function NotificationItem({ item, onOpen }: { item: NotificationView; onOpen(item: NotificationView): void }) {
  return (
    <List.Item
      className={item.readAt ? 'notification-read' : 'notification-unread'}
      style={{ cursor: item.link ? 'pointer' : 'default', paddingInline: 8, opacity: item.readAt ? 0.65 : 1 }}
      onClick={() => onOpen(item)}
      data-testid="notification-item"
    >
      <List.Item.Meta
        avatar={<Badge status={item.readAt ? 'default' : 'processing'} />}
        title={<Typography.Text strong={!item.readAt}>{item.title}</Typography.Text>}
        description={
          <Flex vertical gap={2}>
            {item.body && <Typography.Text type="secondary">{item.body}</Typography.Text>}
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              <DateTime value={item.createdAt} />
            </Typography.Text>
          </Flex>
        }
      />
    </List.Item>
  );
}

export function NotificationBell() {
  const { t, language } = useLocale();
  const n = t.notifications;
  const unread = useUnreadCount();
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const recent = useQuery({ queryKey: notificationKeys.recent(language), queryFn: () => listNotifications({ limit: 20, lang: language }), enabled: open });
  const markRead = useMutation({
    mutationFn: markNotificationsRead,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: notificationKeys.all }),
  });
  const openItem = (item: NotificationView) => {
    if (!item.readAt) markRead.mutate({ ids: [item.id] });
    if (item.link) {
      setOpen(false);
      void navigate(item.link);
    }
  };
  return (
    <>
      <Badge count={unread ?? 0} overflowCount={99} size="small" offset={[-4, 4]}>
        <Button type="text" icon={<BellOutlined style={{ fontSize: 18 }} />} aria-label={unread ? `${n.bell.label} · ${n.bell.unread(unread)}` : n.bell.label} onClick={() => setOpen(true)} data-testid="notification-bell" data-unread={unread ?? ''} />
      </Badge>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        title={n.bell.label}
        size={420}
        extra={
          <Button size="small" disabled={!unread} onClick={() => markRead.mutate({ all: true })}>
            {n.bell.markAll}
          </Button>
        }
        footer={
          <Button type="link" onClick={() => { setOpen(false); void navigate('/notifications'); }}>
            {n.bell.viewAll}
          </Button>
        }
        data-testid="notification-drawer"
      >
        {recent.data && recent.data.items.length === 0 ? (
          <Empty description={n.bell.empty} />
        ) : (
          <List loading={recent.isPending} dataSource={recent.data?.items ?? []} renderItem={(item) => <NotificationItem item={item} onOpen={openItem} />} />
        )}
      </Drawer>
    </>
  );
}
