import { Empty, Flex, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import type { RevenueMonth } from '../../../../contracts/finance.js';
import { toMinor } from '../../../../contracts/common.js';
import { formatMoney } from '../../../components/Money.js';
import { useLocale } from '../../../i18n/locale.js';

const SERIES = [
  { key: 'invoiced', colour: '#1f5fbf' },
  { key: 'received', colour: '#52c41a' },
] as const;

/** A round top for the axis (1, 2 or 5 × 10ⁿ per step) so the gridlines read as whole amounts. */
export function niceScale(max: number, steps = 4): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = max / steps;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  return { top: step * Math.ceil(max / step), step };
}

/**
 * Invoiced and received per month as paired bars, drawn with plain HTML and CSS (no chart library). Amounts are
 * net, so a month with more reversals than receivables can be negative: its bar stays at zero height and the
 * tooltip tells the real figure.
 */
export function RevenueChart({ months, labels }: { months: RevenueMonth[]; labels: { invoiced: string; received: string; empty: string } }) {
  const { language } = useLocale();
  const values = months.map((m) => ({ month: m.month, invoiced: toMinor(m.invoiced) / 100, received: toMinor(m.received) / 100, raw: m }));
  const max = Math.max(0, ...values.flatMap((v) => [v.invoiced, v.received]));
  if (max === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={labels.empty} />;
  const { top, step } = niceScale(max);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  const compact = new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 });
  const monthLabel = (ym: string) => dayjs(`${ym}-01`).format(language === 'zh-CN' ? 'M月' : 'MMM');
  const yearOf = (ym: string, i: number) => (i === 0 || ym.endsWith('-01') ? ym.slice(0, 4) : '');

  return (
    <div className="revenue-chart" data-testid="revenue-chart">
      <Flex gap={16} className="revenue-legend">
        {SERIES.map((s) => (
          <Flex key={s.key} align="center" gap={6}>
            <span className="revenue-swatch" style={{ background: s.colour }} />
            <Typography.Text type="secondary">{labels[s.key]}</Typography.Text>
          </Flex>
        ))}
      </Flex>
      <div className="revenue-plot">
        <div className="revenue-axis">
          {ticks
            .slice()
            .reverse()
            .map((tick) => (
              <span key={tick} className="num">
                {compact.format(tick)}
              </span>
            ))}
        </div>
        <div className="revenue-area">
          <div className="revenue-grid">
            {ticks.map((tick) => (
              <div key={tick} className="revenue-gridline" style={{ bottom: `${(tick / top) * 100}%` }} />
            ))}
          </div>
          <div className="revenue-bars">
            {values.map((v, i) => (
              <Tooltip
                key={v.month}
                title={
                  <div>
                    <div style={{ fontWeight: 600 }}>{v.month}</div>
                    <div>
                      {labels.invoiced}: <span className="money">{formatMoney(v.raw.invoiced)}</span>
                    </div>
                    <div>
                      {labels.received}: <span className="money">{formatMoney(v.raw.received)}</span>
                    </div>
                  </div>
                }
              >
                <div className="revenue-month" data-month={v.month} tabIndex={0}>
                  <div className="revenue-pair">
                    {SERIES.map((s) => (
                      <div key={s.key} className="revenue-bar" style={{ height: `${(Math.max(0, v[s.key]) / top) * 100}%`, background: s.colour }} />
                    ))}
                  </div>
                  <div className="revenue-label">
                    <span>{monthLabel(v.month)}</span>
                    <span className="muted">{yearOf(v.month, i) || '\u00a0'}</span>
                  </div>
                </div>
              </Tooltip>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}
