import { Button, Result } from 'antd';
import { Link } from 'react-router';
import { useT } from '../../i18n/locale.js';

export default function NotFoundPage() {
  const t = useT();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t.errors.notFoundPage}
      extra={
        <Link to="/orders">
          <Button type="primary">{t.errors.goHome}</Button>
        </Link>
      }
    />
  );
}
