import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDebouncedValue } from './use-debounced-value.js';

/**
 * A search box bound to the `q` URL parameter: what the user types is written to the URL once typing
 * pauses (so a reload keeps the search), and a URL changed from outside (back button, link) refills the box.
 */
export function useSearchInUrl(): { text: string; setText(text: string): void; q: string } {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const settled = useDebouncedValue(text.trim(), 300);

  useEffect(() => {
    if (settled === q) return;
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (settled) next.set('q', settled);
        else next.delete('q');
        return next;
      },
      { replace: true },
    );
    // Only typing drives this write; a changed URL is handled by the effect below.
  }, [settled]); // deliberately not every dependency: see the comment above

  useEffect(() => {
    setText((current) => (current.trim() === q ? current : q));
  }, [q]);

  return { text, setText, q };
}
