import { theme } from 'antd';
import { useLayoutEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ThHTMLAttributes } from 'react';

export interface ResizableHeaderProps {
  resizeLabel?: string;
  resizeWidth?: number;
  /** Called while dragging (`done` false) and once at the end (`done` true). */
  onResize?: (width: number, done: boolean) => void;
}

const KEY_STEP = 16;

/**
 * A header cell with a handle on its trailing edge: drag it, or focus it and press ← / →, to change the
 * column's width. Hand-written rather than react-resizable (with react-draggable): that handle is for the
 * mouse only, and the keyboard must reach every action here.
 */
export function ResizableHeaderCell({ resizeLabel, resizeWidth, onResize, children, ...rest }: ThHTMLAttributes<HTMLTableCellElement> & ResizableHeaderProps) {
  const { token } = theme.useToken();
  const cell = useRef<HTMLTableCellElement>(null);
  const [active, setActive] = useState(false);
  // A focusable separator must announce its value (ARIA); before the user sets a width, that is the drawn width.
  const [drawnWidth, setDrawnWidth] = useState(120);
  useLayoutEffect(() => {
    if (resizeWidth === undefined && cell.current) setDrawnWidth(Math.round(cell.current.getBoundingClientRect().width));
  }, [resizeWidth]);
  if (!onResize) return <th {...rest}>{children}</th>;

  const currentWidth = () => resizeWidth ?? Math.round(cell.current?.getBoundingClientRect().width ?? 120);

  const startDrag = (event: PointerEvent<HTMLSpanElement>) => {
    if (event.button !== 0) return;
    event.preventDefault();
    event.stopPropagation();
    const handle = event.currentTarget;
    const startX = event.clientX;
    const startWidth = Math.round(cell.current?.getBoundingClientRect().width ?? currentWidth());
    // Right-to-left layouts grow a column by dragging its trailing edge to the left.
    const direction = getComputedStyle(handle).direction === 'rtl' ? -1 : 1;
    let latest = startWidth;
    handle.setPointerCapture(event.pointerId);
    setActive(true);
    const move = (e: globalThis.PointerEvent) => {
      latest = startWidth + direction * (e.clientX - startX);
      onResize(latest, false);
    };
    const end = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      setActive(false);
      if (latest !== startWidth) onResize(latest, true);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLSpanElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    event.stopPropagation();
    onResize(currentWidth() + (event.key === 'ArrowRight' ? KEY_STEP : -KEY_STEP), true);
  };

  return (
    <th {...rest} ref={cell} style={{ ...rest.style, position: 'relative' }}>
      {children}
      <span
        role="separator"
        aria-orientation="vertical"
        aria-label={resizeLabel}
        aria-valuenow={resizeWidth ?? drawnWidth}
        tabIndex={0}
        className="table-resize-handle"
        data-testid="column-resize-handle"
        onPointerDown={startDrag}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={onKeyDown}
        style={{ ['--resize-colour' as string]: token.colorPrimary, ...(active ? { background: token.colorPrimary } : {}) }}
      />
    </th>
  );
}
