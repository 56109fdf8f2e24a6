import { reasonText } from '../i18n/reasons.js';
import { useT } from '../i18n/locale.js';

/** Turns a stored reason (system text or delete reason code) into the reader's language; typed text stays as typed. */
export function useReasonText(): (stored: string) => string {
  const t = useT();
  return (stored) => reasonText(t.reasons, t.deletion.reasons, stored);
}
