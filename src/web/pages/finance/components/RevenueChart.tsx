import { Empty } from 'antd';
import dayjs from 'dayjs';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RevenueMonth } from '../../../../contracts/finance.js';
import { toMinor } from '../../../../contracts/common.js';
import { formatMoney } from '../../../components/Money.js';
import { useLocale } from '../../../i18n/locale.js';

const COLOURS = { invoiced: '#1f5fbf', received: '#52c41a' } as const;

/**
 * Invoiced and received per month as paired bars (Recharts, as on the dashboard). Amounts are net, so a month
 * with more reversals than receivables can be negative; the axis then goes below zero and the tooltip tells the
 * exact figure in money.
 */
export function RevenueChart({ months, labels }: { months: RevenueMonth[]; labels: { invoiced: string; received: string; empty: string } }) {
  const { language } = useLocale();
  const values = months.map((m) => ({ month: m.month, label: dayjs(`${m.month}-01`).format(language === 'zh-CN' ? 'YY年M月' : 'MMM YY'), invoiced: toMinor(m.invoiced) / 100, received: toMinor(m.received) / 100, raw: m }));
  if (values.every((v) => v.invoiced === 0 && v.received === 0)) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={labels.empty} />;
  const compact = new Intl.NumberFormat(language, { notation: 'compact', maximumFractionDigits: 1 });
  return (
    <div className="revenue-chart" data-testid="revenue-chart" style={{ width: '100%', height: 280 }}>
      <ResponsiveContainer>
        <BarChart data={values} margin={{ top: 8, right: 8, left: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" />
          <YAxis tickFormatter={(v: number) => compact.format(v)} />
          <Tooltip formatter={(_value, name, item: { payload?: { raw?: RevenueMonth } }) => formatMoney(item.payload?.raw?.[name === labels.invoiced ? 'invoiced' : 'received'] ?? '0')} />
          <Legend />
          <Bar dataKey="invoiced" name={labels.invoiced} fill={COLOURS.invoiced} />
          <Bar dataKey="received" name={labels.received} fill={COLOURS.received} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
