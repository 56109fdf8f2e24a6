import { DeleteOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Button } from 'antd';
import { useState } from 'react';
import type { DeleteResult } from '../../../../contracts/deletion.js';
import type { DeletionTarget } from '../../../api/deletion.js';
import { Guard } from '../../../auth/permissions.js';
import { DeleteOrdersDialog } from '../../../components/deletion/DeleteOrdersDialog.js';
import { invalidateAfterDeletion, useUndoNotice } from '../../../components/deletion/use-undo-notice.js';
import { useT } from '../../../i18n/locale.js';
import type { MatchingSelection } from './SelectAllMatching.js';

interface DeleteSelectionButtonProps {
  selectedIds: string[];
  /** Set when the user chose every order matching the filter instead of the ticked rows. */
  matching: MatchingSelection | null;
  onDeleted(): void;
  onDeselect(ids: string[]): void;
}

/** The list's Delete action: the ticked rows, or all orders matching the filter, through the deletion dialog. */
export function DeleteSelectionButton({ selectedIds, matching, onDeleted, onDeselect }: DeleteSelectionButtonProps) {
  const t = useT();
  const queryClient = useQueryClient();
  const showUndo = useUndoNotice();
  const [target, setTarget] = useState<DeletionTarget | null>(null);
  const count = matching ? matching.preview.count : selectedIds.length;

  const deleted = (result: DeleteResult) => {
    setTarget(null);
    invalidateAfterDeletion(queryClient);
    showUndo(result);
    onDeleted();
  };
  const deselect = (ids: string[]) => {
    const drop = new Set(ids);
    const rest = selectedIds.filter((id) => !drop.has(id));
    onDeselect(ids);
    setTarget(rest.length ? { ids: rest } : null);
  };

  return (
    <>
      <Guard permission="orders.delete" whenMissing="hide">
        <Button
          danger
          size="small"
          icon={<DeleteOutlined />}
          onClick={() => setTarget(matching ? { filter: matching.filter } : { ids: selectedIds })}
          data-testid="delete-selected"
        >
          {t.deletion.selection.deleteSelected(count)}
        </Button>
      </Guard>
      {target && (
        <DeleteOrdersDialog
          target={target}
          initialPreview={matching && 'filter' in target ? matching.preview : undefined}
          onClose={() => setTarget(null)}
          onDeleted={deleted}
          onDeselect={deselect}
        />
      )}
    </>
  );
}
