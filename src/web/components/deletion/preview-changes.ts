import type { DeletePreview } from '../../../contracts/deletion.js';
import type { Messages } from '../../i18n/en.js';
import { formatMoney } from '../Money.js';

/** How many order numbers a "no longer included / now included" line names before it says "…". */
const NAMED = 8;

function listNumbers(numbers: string[]): string {
  return numbers.length > NAMED ? `${numbers.slice(0, NAMED).join(', ')} … (+${numbers.length - NAMED})` : numbers.join(', ');
}

/**
 * What differs between the preview the user looked at and the fresh one the server sent with its 409, in
 * words: orders that left or joined the set, changed status or total, or became blocked. Empty when only
 * the token expired.
 */
export function describePreviewChanges(before: DeletePreview, after: DeletePreview, t: Messages): string[] {
  const d = t.deletion.dialog;
  const old = new Map(before.orders.map((o) => [o.id, o]));
  const fresh = new Map(after.orders.map((o) => [o.id, o]));
  const lines: string[] = [];
  if (before.count !== after.count) lines.push(d.staleCount(before.count, after.count));
  for (const o of after.orders) {
    const was = old.get(o.id);
    if (!was) continue;
    if (was.status !== o.status) lines.push(d.staleNowStatus(o.number, t.status[was.status], t.status[o.status]));
    else if (was.deletable && !o.deletable) lines.push(d.staleNowBlocked(o.number));
    if (was.total !== o.total) lines.push(d.staleTotal(o.number, formatMoney(was.total), formatMoney(o.total)));
  }
  const gone = before.orders.filter((o) => !fresh.has(o.id)).map((o) => o.number);
  const added = after.orders.filter((o) => !old.has(o.id)).map((o) => o.number);
  if (gone.length) lines.push(d.staleGone(listNumbers(gone)));
  if (added.length) lines.push(d.staleAdded(listNumbers(added)));
  return lines;
}
