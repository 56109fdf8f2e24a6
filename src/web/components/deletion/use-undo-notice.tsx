import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { App, Button, Flex, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { UNDO_WINDOW_MS, type DeleteResult } from '../../../contracts/deletion.js';
import { newIdempotencyKey, restoreOrders } from '../../api/deletion.js';
import { useT } from '../../i18n/locale.js';
import { formatDateTime } from '../DateTime.js';
import { useShowError } from '../use-show-error.js';
import { ShortageList, shortagesOf } from './ShortageList.js';

/** The server counts the window from its own clock at deletion; stop offering Undo a little early. */
const UNDO_MARGIN_MS = 3_000;

/** Everything a deletion or a restore moved: order lists, the recycle bin, stock and money views. */
export function invalidateAfterDeletion(queryClient: QueryClient): void {
  for (const key of [['orders'], ['deletion'], ['products'], ['finance'], ['inventory']]) void queryClient.invalidateQueries({ queryKey: key });
}

function UndoButton({ result, deadline, onDone }: { result: DeleteResult; deadline: number; onDone(): void }) {
  const t = useT();
  const { message, modal } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  // One key for this Undo: pressing it twice restores once.
  const key = useRef(newIdempotencyKey()).current;

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const left = Math.max(0, Math.ceil((deadline - now) / 1000));
  const undo = async () => {
    setBusy(true);
    try {
      const restored = await restoreOrders({ batchId: result.batchId }, key);
      invalidateAfterDeletion(queryClient);
      message.success(t.deletion.done.undone(restored.restored.length));
      onDone();
    } catch (error) {
      const shortages = shortagesOf(error);
      if (shortages) modal.error({ title: t.deletion.shortage.title, width: 560, content: <ShortageList shortages={shortages} framed={false} /> });
      else showError(error);
    } finally {
      setBusy(false);
    }
  };
  if (left === 0) return <Typography.Text type="secondary">{t.deletion.done.undoExpired}</Typography.Text>;
  return (
    <Button type="primary" size="small" loading={busy} onClick={undo} data-testid="undo-deletion">
      {t.deletion.done.undo(left)}
    </Button>
  );
}

/**
 * The success message of a deletion: what went where, and "Undo" for the 60 seconds in which the user who
 * deleted may restore their own batch without `orders.restore` (SPEC §3).
 */
export function useUndoNotice(): (result: DeleteResult) => void {
  const t = useT();
  const { notification } = App.useApp();
  const navigate = useNavigate();
  return (result) => {
    const key = `deleted-${result.batchId}`;
    const deadline = Date.now() + UNDO_WINDOW_MS - UNDO_MARGIN_MS;
    notification.success({
      key,
      title: t.deletion.done.deleted(result.deleted.length),
      description: t.deletion.done.deletedBody(formatDateTime(result.purgeAfter)),
      duration: (UNDO_WINDOW_MS - UNDO_MARGIN_MS) / 1000,
      placement: 'topRight',
      actions: (
        <Flex gap={8} align="center" data-testid="deletion-done">
          <Button
            size="small"
            type="link"
            onClick={() => {
              notification.destroy(key);
              void navigate(`/recycle-bin?batchId=${encodeURIComponent(result.batchId)}`);
            }}
          >
            {t.deletion.done.openRecycleBin}
          </Button>
          <UndoButton result={result} deadline={deadline} onDone={() => notification.destroy(key)} />
        </Flex>
      ),
    });
  };
}
