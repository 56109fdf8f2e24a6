import { Alert, Button, Col, Flex, Row, Statistic, Table, Tag, Tooltip, Typography } from 'antd';
import { fromMinor, toMinor } from '../../../contracts/common.js';
import type { Blocker, DeletePreview, PreviewOrder } from '../../../contracts/deletion.js';
import { useT } from '../../i18n/locale.js';
import { formatMoney, Money } from '../Money.js';
import { StatusTag } from '../StatusTag.js';
import { HelpHint } from './HelpHint.js';

/**
 * Long selections scroll inside the dialog instead of stretching it; on a phone the columns keep their widths
 * and the table scrolls sideways rather than squeezing an order number under its status tag.
 */
const TABLE_SCROLL = { x: 'max-content', y: 176 } as const;

function BlockerText({ blocker }: { blocker: Blocker }) {
  const t = useT().deletion;
  return (
    <div data-blocker={blocker.code}>
      <Typography.Text>{t.blockers[blocker.code]}</Typography.Text>{' '}
      <Typography.Text type="secondary">{t.blockerActions[blocker.action]}</Typography.Text>
    </div>
  );
}

function SectionTitle({ title, help }: { title: string; help: string }) {
  return (
    <Typography.Title level={5} style={{ margin: '0 0 8px', fontSize: 14 }}>
      {title}
      <HelpHint>{help}</HelpHint>
    </Typography.Title>
  );
}

/** The orders that stop the batch, each with why and what to do instead (refund, cancel, return, ask). */
function BlockedOrders({ preview, onDeselect }: { preview: DeletePreview; onDeselect?: (ids: string[]) => void }) {
  const t = useT().deletion.dialog;
  const blocked = preview.orders.filter((o) => !o.deletable);
  return (
    <Alert
      type="error"
      showIcon
      data-testid="deletion-blocked"
      title={t.blockedTitle(blocked.length, preview.count)}
      description={
        <Flex vertical gap={8}>
          <Typography.Text>{preview.count === 1 ? t.blockedBodySingle : t.blockedBody}</Typography.Text>
          <Table<PreviewOrder>
            size="small"
            rowKey="id"
            dataSource={blocked}
            pagination={blocked.length > 5 ? { pageSize: 5, size: 'small', showSizeChanger: false } : false}
            columns={[
              { key: 'number', title: t.number, dataIndex: 'number', width: 160, render: (n: string) => <span className="order-number">{n}</span> },
              { key: 'status', title: t.status, dataIndex: 'status', width: 100, render: (_, row) => <StatusTag status={row.status} /> },
              { key: 'why', title: t.whatInstead, render: (_, o) => o.blockers.map((b) => <BlockerText key={b.code} blocker={b} />) },
            ]}
          />
          {onDeselect && blocked.length < preview.count && (
            <div>
              <Button size="small" onClick={() => onDeselect(blocked.map((o) => o.id))} data-testid="deselect-blocked">
                {t.deselectBlocked(blocked.length)}
              </Button>
            </div>
          )}
        </Flex>
      }
    />
  );
}

/**
 * What the previewed deletion would do (SPEC §3): how many orders, which are blocked and why, the stock
 * released per product, the receivables reversed, and the departments that will be told.
 */
export function DeletionImpact({ preview, onDeselect }: { preview: DeletePreview; onDeselect?: (ids: string[]) => void }) {
  const t = useT();
  const d = t.deletion.dialog;
  const blocked = preview.orders.filter((o) => !o.deletable).length;
  const units = preview.inventory.reduce((sum, i) => sum + i.release, 0);
  const money = fromMinor(preview.finance.reduce((sum, f) => sum + toMinor(f.reverse), 0));

  return (
    <Flex vertical gap={16} data-testid="deletion-impact">
      {blocked > 0 && <BlockedOrders preview={preview} onDeselect={onDeselect} />}
      <Row gutter={16} className="impact-stats">
        <Col xs={12} sm={6}>
          <Statistic title={d.summaryOrders} value={preview.count} data-testid="impact-count" />
        </Col>
        <Col xs={12} sm={6}>
          <Statistic title={d.summaryBlocked} value={blocked} styles={{ content: { color: blocked ? '#cf1322' : undefined } }} />
        </Col>
        <Col xs={12} sm={6}>
          <Statistic title={d.summaryUnits} value={units} />
        </Col>
        <Col xs={12} sm={6}>
          <Statistic title={d.summaryMoney} value={formatMoney(money)} styles={{ content: { fontVariantNumeric: 'tabular-nums' } }} />
        </Col>
      </Row>

      <div>
        <Typography.Title level={5} style={{ margin: '0 0 8px', fontSize: 14 }}>
          {d.ordersTitle}
        </Typography.Title>
        <Table<PreviewOrder>
          size="small"
          rowKey="id"
          data-testid="impact-orders"
          dataSource={preview.orders}
          pagination={preview.orders.length > 50 ? { pageSize: 50, size: 'small', showSizeChanger: false } : false}
          scroll={TABLE_SCROLL}
          columns={[
            { key: 'number', title: d.number, dataIndex: 'number', render: (n: string) => <span className="order-number">{n}</span> },
            { key: 'status', title: d.status, dataIndex: 'status', width: 110, render: (_, row) => <StatusTag status={row.status} /> },
            { key: 'total', title: d.total, dataIndex: 'total', align: 'right', width: 130, render: (v: string) => <Money value={v} /> },
            {
              key: 'deletable',
              title: d.deletable,
              width: 100,
              render: (_, o) =>
                o.deletable ? (
                  <Tag color="success">{d.canDelete}</Tag>
                ) : (
                  <Tooltip title={o.blockers.map((b) => t.deletion.blockers[b.code]).join(' ')}>
                    <Tag color="error">{d.cannotDelete}</Tag>
                  </Tooltip>
                ),
            },
          ]}
        />
      </div>

      <Row gutter={16}>
        <Col xs={24} md={12}>
          <SectionTitle title={d.stockTitle} help={d.stockHelp} />
          {preview.inventory.length ? (
            <Table
              size="small"
              rowKey="productId"
              data-testid="impact-stock"
              dataSource={preview.inventory}
              pagination={false}
              scroll={TABLE_SCROLL}
              columns={[
                { key: 'sku', title: d.sku, dataIndex: 'sku', render: (s: string) => <span className="order-number">{s}</span> },
                { key: 'release', title: d.release, dataIndex: 'release', align: 'right', render: (n: number) => <span className="num">+{n}</span> },
              ]}
            />
          ) : (
            <Typography.Text type="secondary">{d.noStock}</Typography.Text>
          )}
        </Col>
        <Col xs={24} md={12}>
          <SectionTitle title={d.financeTitle} help={d.financeHelp} />
          {preview.finance.length ? (
            <Table
              size="small"
              rowKey="orderId"
              data-testid="impact-finance"
              dataSource={preview.finance}
              pagination={false}
              scroll={TABLE_SCROLL}
              columns={[
                { key: 'number', title: d.number, dataIndex: 'number', render: (n: string) => <span className="order-number">{n}</span> },
                { key: 'reverse', title: d.amount, dataIndex: 'reverse', align: 'right', render: (v: string) => <Money value={`-${v}`} /> },
              ]}
              summary={() =>
                preview.finance.length > 1 ? (
                  <Table.Summary.Row>
                    <Table.Summary.Cell index={0}>
                      <Typography.Text strong>{d.financeTotal}</Typography.Text>
                    </Table.Summary.Cell>
                    <Table.Summary.Cell index={1} align="right">
                      <Money value={`-${money}`} strong />
                    </Table.Summary.Cell>
                  </Table.Summary.Row>
                ) : null
              }
            />
          ) : (
            <Typography.Text type="secondary">{d.noFinance}</Typography.Text>
          )}
        </Col>
      </Row>

      <Flex align="center" gap={8} wrap data-testid="impact-notify">
        <Typography.Text strong>
          {d.notifyTitle}
          <HelpHint>{d.notifyHelp}</HelpHint>
        </Typography.Text>
        {preview.notify.map((dep) => (
          <Tag key={dep} color="blue" data-department={dep}>
            {t.deletion.departments[dep]}
          </Tag>
        ))}
      </Flex>
    </Flex>
  );
}
