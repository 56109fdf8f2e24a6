/**
 * The audit log's free-text search reads entity labels, but a customer's label is stored sealed: ciphertext in
 * base64 whose random letters would now and then contain the text searched for. Such entries are found by the
 * customer's name instead, never by their ciphertext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, DIALECTS, type TestApp } from '../../../../test/helpers.js';
import { systemActor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';

describe.each(DIALECTS)('audit search and sealed labels (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('matches a label in clear text, never the ciphertext of a sealed one', async () => {
    await t.db.ctx.kysely.transaction().execute((trx) =>
      recordAudit(trx, dialect, systemActor('test'), [
        // What a sealed label looks like, with the searched letters where random base64 may put them.
        { action: 'probe.sealed', entityType: 'probe', entityId: 1, entityLabel: 'sealed:v1:c1:QkxBacmeQkxBQkxB' },
        { action: 'probe.clear', entityType: 'probe', entityId: 2, entityLabel: 'Acme in clear text' },
      ]),
    );
    const found = await t.admin.get(`/api/audit?q=acme&entityType=probe`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((e: { action: string }) => e.action)).toEqual(['probe.clear']);
  });
});
