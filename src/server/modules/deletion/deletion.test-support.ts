/**
 * Steps the deletion and recycle-bin tests share, over HTTP. Test-only; it imports the harness for types only,
 * so the production build that compiles this folder pulls in nothing from test/.
 */
import type { Client, Response } from '../../../../test/helpers.js';

export type Reason = { code: string; note?: string };

export async function createOrder(client: Client, customerId: string, items: Array<{ productId: string; quantity: number }>, extra: Record<string, unknown> = {}) {
  const res = await client.post('/api/orders', { customerId, items, ...extra });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string; version: number; total: string; status: string; ownerId: string };
}

/** Moves a fresh order along its lifecycle to the wanted status (payment: confirmed with a payment taken). */
export async function orderIn(
  client: Client,
  status: 'draft' | 'confirmed' | 'paid' | 'cancelled' | 'shipped' | 'completed',
  customerId: string,
  items: Array<{ productId: string; quantity: number }>,
  extra: Record<string, unknown> = {},
) {
  const order = await createOrder(client, customerId, items, extra);
  const step = async (path: string, body: unknown = {}) => {
    const res = await client.post(`/api/orders/${order.id}/${path}`, body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  if (status === 'draft') return order;
  await step('confirm');
  if (status === 'paid') await step('payments', { amount: '1.00' });
  if (status === 'cancelled') await step('cancel');
  if (status === 'shipped' || status === 'completed') await step('ship');
  if (status === 'completed') await step('complete');
  return order;
}

export async function preview(client: Client, target: { ids: string[] } | { filter: Record<string, unknown> }): Promise<Response> {
  return client.post('/api/orders/delete-preview', target);
}

/** Preview, then delete with the preview's token: the dialog's two steps. */
export async function previewAndDelete(
  client: Client,
  target: { ids: string[] } | { filter: Record<string, unknown> },
  reason: Reason = { code: 'duplicate' },
  headers: Record<string, string> = {},
): Promise<Response> {
  const p = await preview(client, target);
  if (p.status !== 200) return p;
  return client.post('/api/orders/delete', { ...target, reason, previewToken: p.body.previewToken }, headers);
}

export async function stockOf(client: Client, productId: string): Promise<{ onHand: number; reserved: number; available: number }> {
  const res = await client.get(`/api/products/${productId}`);
  if (res.status !== 200) throw new Error(`product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.stock;
}

export async function receivable(client: Client): Promise<string> {
  const res = await client.get('/api/finance/summary');
  if (res.status !== 200) throw new Error(`summary: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.receivable;
}
