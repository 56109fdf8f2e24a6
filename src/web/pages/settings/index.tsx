import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, AutoComplete, Button, Card, Checkbox, Flex, Form, Input, InputNumber, Space, Switch, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { CUSTOMER_REQUIRED_FIELDS, Settings, type SettingsPatch } from '../../../contracts/settings.js';
import { fetchSettings, saveSettings } from '../../api/governance.js';
import { ProblemError } from '../../api/http.js';
import { hasPermission } from '../../auth/permissions.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { RequireAccess } from '../../components/NoAccess.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import { checkWithSchema, clearIssuesOnChange } from '../../forms/schema-errors.js';
import { UnplacedIssues, useFieldIssues } from '../../forms/use-field-issues.js';
import { useT } from '../../i18n/locale.js';

/**
 * The settings this form has an item for. Listed by hand rather than read off the schema, so that an issue can only
 * be placed on a field the form shows (anything else goes to <UnplacedIssues>); the check below stops the build
 * when a setting is added to the schema without an item here.
 */
const FIELDS = ['retention', 'purgeNeedsSecondAdmin', 'deletionRequiresTraining', 'approvalThreshold', 'requiredCustomerFields', 'paymentTermsDays', 'companyTimeZone'] as const satisfies ReadonlyArray<keyof Settings>;
type FormlessSetting = Exclude<keyof Settings, (typeof FIELDS)[number]>;
const everySettingHasAnItem: [FormlessSetting] extends [never] ? true : FormlessSetting = true;
void everySettingHasAnItem;
const STATUSES = ['draft', 'cancelled', 'confirmed'] as const;

/** The form's values: the settings, with the threshold as typed text (empty = no threshold). */
type FormValues = Omit<Settings, 'approvalThreshold'> & { approvalThreshold: string };

const toForm = (s: Settings): FormValues => ({ ...s, approvalThreshold: s.approvalThreshold ?? '' });

/** Only what differs from what was loaded goes to PATCH, so one admin's save never overwrites another's other change. */
function patchOf(before: Settings, after: Settings): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const name of Object.keys(Settings.shape) as Array<keyof Settings>) if (JSON.stringify(before[name]) !== JSON.stringify(after[name])) patch[name] = after[name];
  return patch;
}

/** Every company policy in one form (SPEC §5 "Settings"), checked by the shared `Settings` schema before it is sent. */
export default function SettingsPage() {
  return (
    <RequireAccess allowed={(me) => hasPermission(me, 'settings.manage')} permissions={['settings.manage']}>
      <SettingsForm />
    </RequireAccess>
  );
}

function SettingsForm() {
  const t = useT();
  const s = t.governance.settings;
  const { message } = App.useApp();
  const showError = useShowError();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const issues = useFieldIssues(form, FIELDS);
  const settings = useQuery({ queryKey: ['settings'], queryFn: fetchSettings });
  const zones = useMemo(() => (typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Asia/Shanghai', 'UTC']).map((value) => ({ value })), []);

  useEffect(() => {
    if (settings.data) form.setFieldsValue(toForm(settings.data));
  }, [settings.data, form]);

  if (settings.isError) return <LoadFailed error={settings.error} onRetry={() => void settings.refetch()} />;
  if (!settings.data) return <PageSpinner />;
  const loaded = settings.data;

  const save = async (values: FormValues) => {
    const check = checkWithSchema(Settings, { ...values, approvalThreshold: values.approvalThreshold.trim() === '' ? null : values.approvalThreshold.trim() });
    issues.clear();
    if (!check.ok) {
      issues.place(check.issues);
      return;
    }
    const patch = patchOf(loaded, check.data);
    if (Object.keys(patch).length === 0) {
      message.info(s.unchanged);
      return;
    }
    setSaving(true);
    try {
      const saved = await saveSettings(patch);
      queryClient.setQueryData(['settings'], saved);
      void queryClient.invalidateQueries({ queryKey: ['retention'] });
      message.success(s.saved);
    } catch (error) {
      if (!(error instanceof ProblemError && error.status === 400 && issues.placeError(error))) showError(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <PageHeader title={s.title} subtitle={s.subtitle} />
      <Form<FormValues> form={form} layout="vertical" initialValues={toForm(loaded)} onFinish={save} onValuesChange={clearIssuesOnChange(form)} data-testid="settings-form" style={{ maxWidth: 760 }}>
        <UnplacedIssues issues={issues.unplaced} />
        <Flex vertical gap={16}>
          <Card title={s.retention}>
            <Typography.Paragraph type="secondary">{s.retentionHelp}</Typography.Paragraph>
            <Space size="large" wrap>
              {STATUSES.map((status) => (
                <Form.Item key={status} name={['retention', status]} label={s.statuses[status]} style={{ marginBottom: 0 }}>
                  <InputNumber suffix={s.days} style={{ width: 150 }} data-testid={`retention-${status}`} />
                </Form.Item>
              ))}
            </Space>
          </Card>
          <Card title={s.deletion}>
            <Form.Item name="purgeNeedsSecondAdmin" label={s.purgeNeedsSecondAdmin} extra={s.purgeNeedsSecondAdminHelp} valuePropName="checked">
              <Switch data-testid="purge-needs-second-admin" />
            </Form.Item>
            <Form.Item name="deletionRequiresTraining" label={s.deletionRequiresTraining} valuePropName="checked" style={{ marginBottom: 0 }}>
              <Switch />
            </Form.Item>
          </Card>
          <Card title={s.process}>
            <Form.Item name="approvalThreshold" label={s.approvalThreshold} extra={s.approvalThresholdHelp}>
              <Input prefix="¥" style={{ maxWidth: 220 }} inputMode="decimal" allowClear data-testid="approval-threshold" />
            </Form.Item>
            <Form.Item name="requiredCustomerFields" label={s.requiredCustomerFields}>
              <Checkbox.Group options={CUSTOMER_REQUIRED_FIELDS.map((f) => ({ value: f, label: s.fields[f] }))} />
            </Form.Item>
            <Form.Item name="paymentTermsDays" label={s.paymentTermsDays} extra={s.paymentTermsDaysHelp}>
              <InputNumber suffix={s.days} style={{ width: 150 }} data-testid="payment-terms-days" />
            </Form.Item>
            <Form.Item name="companyTimeZone" label={s.companyTimeZone} extra={s.companyTimeZoneHelp} style={{ marginBottom: 0 }}>
              <AutoComplete options={zones} style={{ maxWidth: 320 }} filterOption={(input, option) => option?.value.toLowerCase().includes(input.toLowerCase()) ?? false} data-testid="company-time-zone" />
            </Form.Item>
          </Card>
          <div>
            <Button type="primary" htmlType="submit" loading={saving} data-testid="save-settings">
              {s.save}
            </Button>
          </div>
        </Flex>
      </Form>
    </>
  );
}
