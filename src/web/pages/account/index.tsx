import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Form, Input, Row, Select, Typography } from 'antd';
import { useMemo } from 'react';
import { ChangePasswordInput, UpdateAccountInput } from '../../../contracts/account.js';
import { accountKey, changePassword, fetchAccount, updateAccount } from '../../api/account.js';
import { useMe } from '../../auth/session.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import { clearIssuesOnChange, checkWithSchema } from '../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import { useLocale, type Language } from '../../i18n/locale.js';

const COMPANY_ZONE = '';
const PROFILE_FIELDS = ['displayName', 'language', 'timeZone'] as const;
const PASSWORD_FIELDS = ['current', 'next', 'repeat'] as const;
type ProfileValues = { displayName?: string; language?: Language; timeZone?: string };
type PasswordValues = { current?: string; next?: string; repeat?: string };

/** Every zone the browser knows, for the picker; the empty choice follows the company's time zone. */
function timeZoneOptions(companyLabel: string) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Asia/Shanghai', 'UTC'];
  return [{ value: COMPANY_ZONE, label: companyLabel }, ...zones.map((z) => ({ value: z, label: z }))];
}

export default function AccountPage() {
  const { t, language, setLanguage } = useLocale();
  const a = t.crm.account;
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const account = useQuery({ queryKey: accountKey, queryFn: fetchAccount });
  const [profileForm] = Form.useForm<ProfileValues>();
  const [passwordForm] = Form.useForm<PasswordValues>();
  const profileIssues = useFieldIssues(profileForm, PROFILE_FIELDS);
  const passwordIssues = useFieldIssues(passwordForm, PASSWORD_FIELDS);
  const zones = useMemo(() => timeZoneOptions(a.timeZoneCompany), [a.timeZoneCompany]);

  const saveProfile = useMutation({
    mutationFn: updateAccount,
    onSuccess: (saved) => {
      queryClient.setQueryData(accountKey, saved);
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      if (saved.language === 'en' || saved.language === 'zh-CN') setLanguage(saved.language);
      message.success(a.saved);
    },
    onError: (error) => {
      if (!profileIssues.placeError(error)) showError(error);
    },
  });
  const savePassword = useMutation({
    mutationFn: changePassword,
    onSuccess: () => {
      passwordForm.resetFields();
      void queryClient.invalidateQueries({ queryKey: accountKey });
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      message.success(a.changed);
    },
    onError: (error) => {
      if (!passwordIssues.placeError(error)) showError(error);
    },
  });

  if (account.isPending) return <PageSpinner />;
  if (account.isError) return <LoadFailed error={account.error} onRetry={() => account.refetch()} />;
  const acc = account.data;

  function submitProfile(values: ProfileValues) {
    profileIssues.clear();
    const check = checkWithSchema(UpdateAccountInput, { displayName: values.displayName?.trim() ? values.displayName : null, language: values.language, timeZone: values.timeZone || null });
    if (!check.ok) return profileIssues.place(check.issues);
    saveProfile.mutate(check.data);
  }
  function submitPassword(values: PasswordValues) {
    passwordIssues.clear();
    if (values.next !== values.repeat) return passwordIssues.place([{ path: ['repeat'], message: a.mismatch }]);
    const check = checkWithSchema(ChangePasswordInput, { current: values.current ?? '', next: values.next ?? '' });
    if (!check.ok) return passwordIssues.place(check.issues);
    savePassword.mutate(check.data);
  }

  return (
    <div className="section-gap">
      <PageHeader title={a.title} subtitle={a.subtitle} />
      {(acc.mustChangePassword || me.mustChangePassword) && <Alert type="warning" showIcon title={a.mustChange} data-testid="must-change-password" />}
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={a.profile} variant="borderless">
            <UnplacedIssues issues={profileIssues.unplaced} />
            <Form
              form={profileForm}
              layout="vertical"
              onFinish={submitProfile}
              onValuesChange={clearIssuesOnChange(profileForm)}
              initialValues={{ displayName: acc.displayName ?? '', language: acc.language ?? language, timeZone: acc.timeZone ?? COMPANY_ZONE }}
            >
              <Form.Item label={a.username}>
                <Typography.Text strong>{acc.username}</Typography.Text>
              </Form.Item>
              <Form.Item name="displayName" label={a.displayName} extra={a.displayNameHelp}>
                <Input count={{ show: true, max: 100 }} autoComplete="name" />
              </Form.Item>
              <Form.Item name="language" label={a.language}>
                <Select options={[{ value: 'zh-CN', label: '简体中文' }, { value: 'en', label: 'English' }]} />
              </Form.Item>
              <Form.Item name="timeZone" label={a.timeZone}>
                <Select showSearch options={zones} />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={saveProfile.isPending} data-testid="save-profile">
                {a.save}
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={a.password} variant="borderless">
            <UnplacedIssues issues={passwordIssues.unplaced} />
            <Form form={passwordForm} layout="vertical" onFinish={submitPassword} onValuesChange={clearIssuesOnChange(passwordForm)}>
              <Form.Item name="current" label={a.currentPassword} required>
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Form.Item name="next" label={a.newPassword} extra={a.passwordHelp} required>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Form.Item name="repeat" label={a.repeatPassword} required>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={savePassword.isPending} data-testid="change-password">
                {a.changePassword}
              </Button>
            </Form>
          </Card>
        </Col>
      </Row>
    </div>
  );
}
