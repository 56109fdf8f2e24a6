import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { LoginInput } from '../../../contracts/auth.js';
import { ProblemError } from '../../api/http.js';
import { useSession } from '../../auth/session.js';
import { clearIssuesOnChange, checkWithSchema, showFieldIssues } from '../../forms/schema-errors.js';
import { useT } from '../../i18n/locale.js';
import { LanguageSwitch } from '../../layout/LanguageSwitch.js';

export function SignInPage() {
  const t = useT();
  const { me, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [form] = Form.useForm<LoginInput>();
  const [failure, setFailure] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (me) return <Navigate to={from} replace />;

  async function submit(values: LoginInput) {
    setFailure(null);
    const check = checkWithSchema(LoginInput, values);
    if (!check.ok) {
      showFieldIssues(form, check.issues, t, ['username', 'password']);
      return;
    }
    setSubmitting(true);
    try {
      await signIn(check.data);
      void navigate(from, { replace: true });
    } catch (error) {
      if (error instanceof ProblemError && (error.status === 423 || error.status === 429)) setFailure(t.signIn.locked);
      else if (error instanceof ProblemError && error.status < 500) setFailure(t.signIn.failed);
      else setFailure(t.errors.network);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <div className="sign-in-page">
      <div className="sign-in-language">
        <LanguageSwitch />
      </div>
      <Card className="sign-in-card" variant="borderless">
        <Flex vertical gap={4} align="center" style={{ marginBottom: 24 }}>
          <span className="brand-mark" style={{ width: 44, height: 44, fontSize: 22, borderRadius: 10 }}>
            O
          </span>
          <Typography.Title level={3} style={{ margin: '12px 0 0' }}>
            {t.signIn.title}
          </Typography.Title>
          <Typography.Text type="secondary">{t.signIn.subtitle}</Typography.Text>
        </Flex>
        {failure && <Alert type="error" showIcon title={failure} style={{ marginBottom: 16 }} role="alert" />}
        <Form form={form} onValuesChange={clearIssuesOnChange(form)} layout="vertical" onFinish={submit} requiredMark={false} size="large">
          <Form.Item name="username" label={t.signIn.username}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item name="password" label={t.signIn.password}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={submitting}>
            {t.signIn.submit}
          </Button>
        </Form>
      </Card>
    </div>
  );
}
