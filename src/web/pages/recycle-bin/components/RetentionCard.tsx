import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Flex, Form, InputNumber, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { RetentionSetting } from '../../../../contracts/deletion.js';
import { deletionKeys, fetchRetention, saveRetention } from '../../../api/deletion.js';
import { HelpHint } from '../../../components/deletion/HelpHint.js';
import { useShowError } from '../../../components/use-show-error.js';
import { checkWithSchema } from '../../../forms/schema-errors.js';
import { translateMessage, useT } from '../../../i18n/locale.js';

/** How long deleted orders stay restorable (settings.manage). */
export function RetentionCard() {
  const t = useT();
  const r = t.deletion.retention;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const retention = useQuery({ queryKey: deletionKeys.retention, queryFn: fetchRetention });
  const [days, setDays] = useState<number | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);

  useEffect(() => {
    if (retention.data) setDays(retention.data.days);
  }, [retention.data]);

  const save = useMutation({
    mutationFn: (value: number) => saveRetention(value),
    onSuccess: (saved) => {
      queryClient.setQueryData(deletionKeys.retention, saved);
      message.success(r.saved(saved.days));
    },
    onError: showError,
  });

  const submit = () => {
    const checked = checkWithSchema(RetentionSetting, { days: days ?? undefined });
    if (!checked.ok) {
      const msg = checked.issues[0]?.message ?? 'required';
      return setFieldError(t.deletion.validation[msg] ?? translateMessage(t, msg));
    }
    save.mutate(checked.data.days);
  };

  const changed = retention.data !== undefined && days !== retention.data.days;
  return (
    <Card
      size="small"
      variant="borderless"
      style={{ height: '100%' }}
      data-testid="retention-card"
      title={
        <span>
          {r.title}
          <HelpHint>{r.help}</HelpHint>
        </span>
      }
    >
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{retention.data ? r.current(retention.data.days) : '\u00a0'}</Typography.Text>
        <Form layout="inline" onFinish={submit}>
          <Form.Item label={r.days} htmlFor="retention-days-input" validateStatus={fieldError ? 'error' : undefined} help={fieldError ?? undefined} style={{ marginInlineEnd: 8 }}>
            <InputNumber<number>
              id="retention-days-input"
              value={days}
              onChange={(v) => {
                setDays(v);
                setFieldError(null);
              }}
              // No min/max here: InputNumber would quietly clamp 0 or 5000 on blur; the schema names the range instead.
              precision={0}
              style={{ width: 100 }}
              data-testid="retention-days"
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" disabled={!changed} loading={save.isPending} data-testid="retention-save">
            {r.save}
          </Button>
        </Form>
      </Flex>
    </Card>
  );
}
