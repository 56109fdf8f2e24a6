/**
 * antd's Table, when it scrolls sideways, renders an invisible `aria-hidden` row that copies the column titles
 * to measure them; the copies of the "select all" checkbox and of the help buttons in titles stay focusable, so
 * Tab stops on things nobody sees and screen readers are told to ignore (axe: aria-hidden-focus). antd offers
 * no option for it: this marks each such row `inert` as it appears, which takes its copies out of the tab order.
 */
export function makeTableMeasureRowsInert(root: HTMLElement): () => void {
  const mark = () => {
    for (const row of root.querySelectorAll<HTMLElement>('.ant-table-measure-row:not([inert])')) row.inert = true;
  };
  const observer = new MutationObserver(mark);
  observer.observe(root, { childList: true, subtree: true });
  mark();
  return () => observer.disconnect();
}
