import { useRef } from 'react';
import { newIdempotencyKey } from '../../api/deletion.js';

/**
 * One `Idempotency-Key` per submission: asking again with the same body (a double click, a retry after a
 * dropped connection) reuses the key, so the server answers the repeat with the first response; a changed
 * body (another reason, a fresh preview) gets a new key, since the server refuses a key reused for another body.
 */
export function useSubmissionKey(): (body: unknown) => string {
  const last = useRef<{ body: string; key: string } | null>(null);
  return (body) => {
    const text = JSON.stringify(body);
    if (last.current?.body !== text) last.current = { body: text, key: newIdempotencyKey() };
    return last.current.key;
  };
}
