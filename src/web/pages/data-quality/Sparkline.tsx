/**
 * A check's count over its recent runs as a small inline SVG line, in the spirit of the finance page's
 * hand-drawn chart (no chart library for a few dozen points). The last point is marked; one run shows a dash.
 */
export function Sparkline({ values, label, width = 120, height = 28 }: { values: number[]; label: string; width?: number; height?: number }) {
  // One run is a point, not a trend.
  if (values.length < 2) return <span className="muted">—</span>;
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const step = (width - 4) / (values.length - 1);
  // A steady count is a level line through the middle; otherwise the range fills the height.
  const yOf = (v: number) => (max === min ? height / 2 : height - 3 - ((v - min) / (max - min)) * (height - 6));
  const point = (v: number, i: number) => [2 + i * step, yOf(v)] as const;
  const points = values.map(point);
  const [lastX, lastY] = points[points.length - 1];
  const colour = values[values.length - 1] > 0 ? '#d4380d' : '#389e0d';
  return (
    <svg width={width} height={height} role="img" aria-label={label} data-testid="sparkline">
      <title>{label}</title>
      <polyline points={points.map(([x, y]) => `${x},${y}`).join(' ')} fill="none" stroke={colour} strokeWidth={1.5} strokeLinejoin="round" />
      <circle cx={lastX} cy={lastY} r={2.5} fill={colour} />
    </svg>
  );
}
