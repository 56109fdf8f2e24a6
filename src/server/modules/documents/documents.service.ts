import { fromMinor, toMinor } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import type { Actor } from '../../platform/actor.js';
import { customerStatement, getCustomer } from '../customers/customers.service.js';
import { labelsFor } from '../export/export.service.js';
import { getOrder } from '../orders/orders.service.js';
import { renderPdf, type PrintDocument } from './documents.pdf.js';
import { documentWords } from './documents.labels.js';

export interface PdfOutcome {
  filename: string;
  body: Buffer;
}

/**
 * The order confirmation a customer is sent: the order as `GET /api/orders/:id` shows it to the caller (same
 * scope, same 404), in the caller's language, times in the company time zone, money as the API's decimals.
 */
export async function orderConfirmationPdf(ctx: Ctx, actor: Actor, id: number, acceptLanguage: string | undefined): Promise<PdfOutcome> {
  const order = await getOrder(ctx, actor, id);
  const [customer, labels] = await Promise.all([getCustomer(ctx, actor, Number(order.customer.id)), labelsFor(ctx, actor, acceptLanguage)]);
  const w = documentWords(labels.language);
  const contact = (value: string | null) => (customer.contactHidden ? w.hidden : (value ?? ''));
  const model: PrintDocument = {
    language: labels.language,
    title: w.orderConfirmation,
    subject: order.number,
    fields: [
      [w.customer, order.customer.name],
      [w.status, w.statusLabel(order.status)],
      [w.phone, contact(customer.phone)],
      [w.createdAt, labels.time(order.createdAt)],
      [w.email, contact(customer.email)],
      [w.confirmedAt, order.confirmedAt ? labels.time(order.confirmedAt) : ''],
      [w.owner, order.ownerName ?? ''],
      ...(order.note ? ([[w.note, order.note]] as const) : []),
    ],
    table: {
      columns: [
        { title: w.line, width: 0.07 },
        { title: w.sku, width: 0.17 },
        { title: w.product, width: 0.36 },
        { title: w.quantity, width: 0.1, align: 'right' },
        { title: w.unitPrice, width: 0.15, align: 'right' },
        { title: w.lineTotal, width: 0.15, align: 'right' },
      ],
      rows: order.items.map((item, i) => [String(i + 1), item.sku, item.name, String(item.quantity), item.unitPrice, item.lineTotal]),
      empty: w.noLines,
    },
    totals: [
      [w.total, order.total],
      [w.paid, order.paid],
      [w.due, fromMinor(toMinor(order.total) - toMinor(order.paid))],
    ],
    footer: w.printed(labels.time(new Date().toISOString())),
    page: w.page,
  };
  return { filename: `${order.number}.pdf`, body: await renderPdf(model) };
}

/** The customer's statement (`GET /api/customers/:id/statement`) on paper: entries in date order, running balance. */
export async function customerStatementPdf(ctx: Ctx, actor: Actor, id: number, acceptLanguage: string | undefined): Promise<PdfOutcome> {
  const statement = await customerStatement(ctx, id);
  const [customer, labels] = await Promise.all([getCustomer(ctx, actor, id), labelsFor(ctx, actor, acceptLanguage)]);
  const w = documentWords(labels.language);
  const contact = (value: string | null) => (customer.contactHidden ? w.hidden : (value ?? ''));
  const now = labels.time(new Date().toISOString());
  const model: PrintDocument = {
    language: labels.language,
    title: w.statement,
    subject: customer.name,
    fields: [
      [w.phone, contact(customer.phone)],
      [w.statementDate, now],
      [w.email, contact(customer.email)],
      [w.entries, String(statement.entries.length)],
    ],
    table: {
      columns: [
        { title: w.date, width: 0.26 },
        { title: w.order, width: 0.2 },
        { title: w.entry, width: 0.18 },
        { title: w.amount, width: 0.18, align: 'right' },
        { title: w.balanceAfter, width: 0.18, align: 'right' },
      ],
      rows: statement.entries.map((e) => [labels.time(e.at), e.orderNumber, w.entryKind(e.kind), e.amount, e.balance]),
      empty: w.noEntries,
    },
    totals: [
      [w.invoiced, statement.invoiced],
      [w.paid, statement.paid],
      [w.balance, statement.balance],
    ],
    footer: w.printed(now),
    page: w.page,
  };
  return { filename: `statement-${customer.id}.pdf`, body: await renderPdf(model) };
}
