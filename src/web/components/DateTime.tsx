import { Tooltip } from 'antd';
import dayjs from 'dayjs';

/** Timestamps are UTC on the wire; people read them in their own time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : '—';
}

export function DateTime({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <Tooltip title={value}>
      <span className="nowrap">{formatDateTime(value)}</span>
    </Tooltip>
  );
}
