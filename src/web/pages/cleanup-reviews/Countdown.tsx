import { Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useT } from '../../i18n/locale.js';

const MINUTE = 60_000;

/** Time left until a review's cleanup date, refreshed each minute; "due now" once it has passed. */
export function Countdown({ until }: { until: string }) {
  const t = useT();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), MINUTE);
    return () => clearInterval(timer);
  }, []);
  const left = Date.parse(until) - now;
  if (left <= 0) return <Typography.Text type="warning">{t.cleanup.reviews.due}</Typography.Text>;
  const days = Math.floor(left / (24 * 60 * MINUTE));
  const hours = Math.floor((left % (24 * 60 * MINUTE)) / (60 * MINUTE));
  const minutes = Math.floor((left % (60 * MINUTE)) / MINUTE);
  const text = t.cleanup.countdown(days, hours, minutes);
  return (
    <Typography.Text className="num" data-testid="countdown">
      {text}
    </Typography.Text>
  );
}
