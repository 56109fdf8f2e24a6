import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { notASignInChange, WriteWatch } from './write-watch.js';

/** A connection that answers every statement at once, watched by `watch`. */
function connection(watch: WriteWatch) {
  const client = new EventEmitter() as unknown as pg.PoolClient;
  const query = watch.watch(client, () => Promise.resolve({ rows: [] }));
  return { client, run: (text: string) => query(text) as Promise<unknown>, runNamed: (text: string) => query({ name: 'kept', text, values: [] }) as Promise<unknown> };
}

describe('the write watch over the tables a sign-in reads', () => {
  it('sees a write from its statement to its commit, and only writes to those tables', async () => {
    const watch = new WriteWatch();
    let changes = 0;
    watch.onChange(() => (changes += 1));
    const a = connection(watch);
    await a.run('select * from "users" where id = $1');
    await a.run('insert into "orders" ("customer_id") values ($1)');
    expect([watch.quiet, changes]).toEqual([true, 0]);

    await a.run('begin');
    await a.run('with x as (select 1) delete from "user_roles" where "user_id" = $1');
    expect([watch.quiet, changes]).toEqual([false, 1]);
    await a.run('rollback to savepoint one');
    await a.runNamed('update "roles" set "grants" = $1');
    expect(watch.quiet).toBe(false);
    await a.run('commit');
    expect([watch.quiet, changes]).toEqual([true, 2]);

    // Outside a transaction a statement is its own: over when it answers.
    await a.run('update "users" set "disabled" = 1');
    expect([watch.quiet, changes]).toEqual([true, 4]);
  });

  it('lets a statement marked as no sign-in change pass, and ends a write whose connection is lost', async () => {
    const watch = new WriteWatch();
    const a = connection(watch);
    notASignInChange('/* mark */ update "sessions" set "last_seen_at" = $1');
    await a.run('begin');
    await a.run('/* mark */ update "sessions" set "last_seen_at" = $1');
    expect(watch.quiet).toBe(true);
    await a.run('update "sessions" set "last_seen_at" = $1');
    expect(watch.quiet).toBe(false);
    a.client.emit('end');
    expect(watch.quiet).toBe(true);
  });
});
