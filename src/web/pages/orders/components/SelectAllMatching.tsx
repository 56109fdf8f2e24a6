import { Alert, Button, Typography } from 'antd';
import { useState } from 'react';
import { MAX_DELETE_BY_FILTER, type DeletePreview } from '../../../../contracts/deletion.js';
import { previewDeletion, type DeletionFilterValues } from '../../../api/deletion.js';
import { ProblemError } from '../../../api/http.js';
import { usePermission } from '../../../auth/permissions.js';
import { useShowError } from '../../../components/use-show-error.js';
import { useT } from '../../../i18n/locale.js';
import type { OrderFilters } from '../order-list-params.js';
import { useTrainingGate } from '../../../guidance/training-gate.js';

/** Every order matching the list's filter, as counted (and bound) by a deletion preview. */
export interface MatchingSelection {
  filter: DeletionFilterValues;
  preview: DeletePreview;
}

/** The list's filters as the deletion API takes them: only what is set, statuses as an array. */
export function toDeletionFilter(filters: OrderFilters): DeletionFilterValues {
  const entries = Object.entries(filters).filter(([, v]) => (Array.isArray(v) ? v.length > 0 : Boolean(v)));
  return Object.fromEntries(entries);
}

interface SelectAllMatchingProps {
  filters: OrderFilters;
  /** Every row of the current page is selected, and there is more than this page. */
  offer: boolean;
  pageCount: number;
  matching: MatchingSelection | null;
  onMatching(matching: MatchingSelection | null): void;
}

/**
 * "Select all N matching": once the whole page is selected, offers the whole filtered set. The count comes
 * from a deletion preview by filter, so what is then deleted is exactly the set that was counted.
 */
export function SelectAllMatching({ filters, offer, pageCount, matching, onMatching }: SelectAllMatchingProps) {
  const t = useT();
  const s = t.deletion.selection;
  const showError = useShowError();
  const trainingGate = useTrainingGate();
  const canDelete = usePermission('orders.delete').allowed;
  const [counting, setCounting] = useState(false);
  const [tooMany, setTooMany] = useState(false);

  if (!canDelete || (!offer && !matching)) return null;

  const selectAll = async () => {
    setCounting(true);
    setTooMany(false);
    const filter = toDeletionFilter(filters);
    try {
      onMatching({ filter, preview: await previewDeletion({ filter }) });
    } catch (error) {
      if (error instanceof ProblemError && error.status === 400 && error.fieldErrors.some((e) => e.field === 'filter')) setTooMany(true);
      else if (!trainingGate(error)) showError(error);
    } finally {
      setCounting(false);
    }
  };

  return (
    <Alert
      type={tooMany ? 'warning' : 'info'}
      banner
      showIcon={false}
      data-testid="select-all-matching"
      style={{ justifyContent: 'center', textAlign: 'center' }}
      title={
        matching ? (
          <>
            <Typography.Text strong>{s.allMatchingSelected(matching.preview.count)}</Typography.Text>{' '}
            <Button type="link" size="small" onClick={() => onMatching(null)}>
              {t.common.clearSelection}
            </Button>
          </>
        ) : tooMany ? (
          s.tooMany(MAX_DELETE_BY_FILTER)
        ) : (
          <>
            {s.pageAllSelected(pageCount)}{' '}
            <Button type="link" size="small" loading={counting} onClick={selectAll} data-testid="select-all-matching-link">
              {counting ? s.counting : s.selectAllMatching}
            </Button>
          </>
        )
      }
    />
  );
}
