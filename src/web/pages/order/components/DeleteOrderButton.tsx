import { DeleteOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Button } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { DeleteResult } from '../../../../contracts/deletion.js';
import type { OrderView } from '../../../../contracts/orders.js';
import { Guard } from '../../../auth/permissions.js';
import { DeleteOrdersDialog } from '../../../components/deletion/DeleteOrdersDialog.js';
import { invalidateAfterDeletion, useUndoNotice } from '../../../components/deletion/use-undo-notice.js';
import { useT } from '../../../i18n/locale.js';
import { RiskHelp } from '../../../components/guidance/RiskHelp.js';

/**
 * Deletes this order through the same dialog as the list. Offered for every status: for a shipped or paid
 * order the preview says why it cannot go and what to do instead, which is what the user needs to learn.
 */
export function DeleteOrderButton({ order }: { order: OrderView }) {
  const t = useT();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const showUndo = useUndoNotice();
  const [open, setOpen] = useState(false);

  const deleted = (result: DeleteResult) => {
    setOpen(false);
    invalidateAfterDeletion(queryClient);
    showUndo(result);
    void navigate('/orders');
  };

  return (
    <>
      <Guard permission="orders.delete" record={{ ownerId: order.ownerId }} whenMissing="hide">
        <Button danger icon={<DeleteOutlined />} onClick={() => setOpen(true)} data-testid="delete-order">
          {t.deletion.order.delete}
        </Button>
      </Guard>
      <Guard permission="orders.delete" record={{ ownerId: order.ownerId }} whenMissing="hide">
        <RiskHelp action="delete" />
      </Guard>
      {open && <DeleteOrdersDialog target={{ ids: [order.id] }} onClose={() => setOpen(false)} onDeleted={deleted} />}
    </>
  );
}
