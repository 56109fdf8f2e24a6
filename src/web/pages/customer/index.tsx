import { DeleteOutlined, EditOutlined, LockOutlined, MergeCellsOutlined, PoweroffOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Col, Descriptions, Flex, Popconfirm, Result, Row, Statistic, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { customerKeys, fetchCustomer, fetchCustomerStatement, updateCustomer } from '../../api/customers.js';
import { ProblemError } from '../../api/http.js';
import { hasPermission } from '../../auth/permissions.js';
import { canReadFinance } from '../../auth/report-access.js';
import { useMe } from '../../auth/session.js';
import { DateTime } from '../../components/DateTime.js';
import { LoadFailed } from '../../components/LoadFailed.js';
import { formatMoney } from '../../components/Money.js';
import { PageHeader } from '../../components/PageHeader.js';
import { PageSpinner } from '../../components/PageSpinner.js';
import { useShowError } from '../../components/use-show-error.js';
import { useT } from '../../i18n/locale.js';
import { CustomerOrders } from './components/CustomerOrders.js';
import { CustomerStatement } from './components/CustomerStatement.js';
import { EditCustomerModal } from './components/EditCustomerModal.js';
import { EraseCustomerModal } from './components/EraseCustomerModal.js';
import { MergeCustomerModal } from './components/MergeCustomerModal.js';

/** One customer: contact details, balance, their orders with the list's filters, and their statement. */
export default function CustomerPage() {
  const { id = '' } = useParams();
  const t = useT();
  const c = t.crm.customer;
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const showError = useShowError();
  const [editing, setEditing] = useState(false);
  const [merging, setMerging] = useState(false);
  const [erasing, setErasing] = useState(false);
  const financeReader = canReadFinance(me);

  const customer = useQuery({ queryKey: customerKeys.one(id), queryFn: () => fetchCustomer(id) });
  const statement = useQuery({ queryKey: customerKeys.statement(id), queryFn: () => fetchCustomerStatement(id), enabled: financeReader });
  const setActive = useMutation({
    mutationFn: (active: boolean) => updateCustomer(id, customer.data!.version, { active }),
    onSuccess: (saved) => {
      queryClient.setQueryData(customerKeys.one(id), saved);
      void queryClient.invalidateQueries({ queryKey: customerKeys.all });
      message.success(saved.active ? c.reactivated : c.deactivated);
    },
    onError: showError,
  });

  if (customer.isPending) return <PageSpinner />;
  if (customer.isError) {
    if (customer.error instanceof ProblemError && customer.error.status === 404) {
      return <Result status="404" title="404" subTitle={c.notFound} extra={<Link to="/customers"><Button type="primary">{t.nav.customers}</Button></Link>} />;
    }
    return <LoadFailed error={customer.error} onRetry={() => customer.refetch()} />;
  }

  const cu = customer.data;
  const merged = cu.mergedIntoId !== null;
  const erased = cu.erasedAt !== undefined;
  // The same rules the server applies: a rep edits only the customers whose details they may see.
  const mayEdit = hasPermission(me, 'orders.update') && !cu.contactHidden && !merged && !erased;
  const mayMerge = me.permissions['orders.update'] === 'all' && !merged && !erased;
  const mayErase = hasPermission(me, 'customers.erase') && !erased;
  // The server stores an English placeholder; the reader sees it in their language.
  const title = erased ? c.erasedName(cu.id) : cu.name;
  const none = <span className="muted">—</span>;

  return (
    <div className="section-gap">
      <PageHeader
        crumbs={[{ label: t.nav.customers, to: '/customers' }, { label: title }]}
        title={title}
        tags={erased ? <Tag color="red">{c.erasedTag}</Tag> : cu.active ? <Tag color="green">{c.active}</Tag> : <Tag>{merged ? c.mergedInto : c.inactive}</Tag>}
        extra={
          <>
            {merged && (
              <Link to={`/customers/${cu.mergedIntoId}`}>
                <Button type="primary">{c.openSurvivor}</Button>
              </Link>
            )}
            {mayEdit && (
              <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="edit-customer">
                {c.edit}
              </Button>
            )}
            {mayEdit &&
              (cu.active ? (
                <Popconfirm title={c.deactivateConfirm} description={<div style={{ maxWidth: 320 }}>{c.deactivateHelp}</div>} okText={c.deactivate} cancelText={t.common.cancel} onConfirm={() => setActive.mutate(false)}>
                  <Button icon={<PoweroffOutlined />} loading={setActive.isPending} data-testid="deactivate-customer">
                    {c.deactivate}
                  </Button>
                </Popconfirm>
              ) : (
                <Button icon={<PoweroffOutlined />} loading={setActive.isPending} onClick={() => setActive.mutate(true)} data-testid="reactivate-customer">
                  {c.reactivate}
                </Button>
              ))}
            {mayMerge && (
              <Button danger icon={<MergeCellsOutlined />} onClick={() => setMerging(true)} data-testid="merge-customer">
                {c.merge}
              </Button>
            )}
            {mayErase && (
              <Button danger icon={<DeleteOutlined />} onClick={() => setErasing(true)} data-testid="erase-customer">
                {c.erase}
              </Button>
            )}
          </>
        }
      />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={financeReader ? 14 : 24}>
          <Card title={c.contact} variant="borderless" style={{ height: '100%' }}>
            {cu.contactHidden ? (
              <Typography.Text type="secondary" data-testid="contact-hidden">
                <LockOutlined /> {t.customers.contactHiddenHelp}
              </Typography.Text>
            ) : (
              <Descriptions column={{ xs: 1, sm: 2 }} size="small">
                <Descriptions.Item label={t.customers.phone}>{cu.phone ? <span className="num">{cu.phone}</span> : none}</Descriptions.Item>
                <Descriptions.Item label={t.customers.email}>{cu.email ?? none}</Descriptions.Item>
                <Descriptions.Item label={t.customers.note} span={2}>{cu.note ?? none}</Descriptions.Item>
                <Descriptions.Item label={t.common.createdAt}><DateTime value={cu.createdAt} /></Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </Col>
        {financeReader && (
          <Col xs={24} lg={10}>
            <Card title={c.balance} variant="borderless" style={{ height: '100%' }} loading={statement.isPending}>
              {/* Wraps rather than shrinks, so amounts never run into each other on a phone. */}
              <Flex wrap gap="16px 32px" data-testid="customer-balance">
                <Statistic title={c.invoiced} value={formatMoney(statement.data?.invoiced ?? '0.00')} styles={{ content: { fontVariantNumeric: 'tabular-nums' } }} />
                <Statistic title={c.paid} value={formatMoney(statement.data?.paid ?? '0.00')} styles={{ content: { fontVariantNumeric: 'tabular-nums' } }} />
                <Statistic title={c.balance} value={formatMoney(statement.data?.balance ?? '0.00')} styles={{ content: { fontWeight: 600, fontVariantNumeric: 'tabular-nums' } }} />
              </Flex>
            </Card>
          </Col>
        )}
      </Row>
      <Tabs
        items={[
          ...(hasPermission(me, 'orders.read') ? [{ key: 'orders', label: c.orders, children: <CustomerOrders customerId={cu.id} /> }] : []),
          ...(financeReader ? [{ key: 'statement', label: c.statement, children: <CustomerStatement customerId={cu.id} statement={statement.data} loading={statement.isFetching} /> }] : []),
        ]}
      />
      {mayEdit && <EditCustomerModal customer={cu} open={editing} onClose={() => setEditing(false)} />}
      {mayMerge && <MergeCustomerModal customer={cu} open={merging} onClose={() => setMerging(false)} />}
      {mayErase && <EraseCustomerModal customer={cu} open={erasing} onClose={() => setErasing(false)} />}
    </div>
  );
}
