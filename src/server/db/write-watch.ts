import type pg from 'pg';

/**
 * PostgreSQL: knows when this process writes to the tables a request's sign-in reads (sessions, API tokens, users,
 * their roles), from the statement's start until its transaction ends, so a per-process copy of those rows (the
 * session cache, auth/session-cache.ts) is not used while such a write is open and is dropped the moment it commits
 * or rolls back.
 * Other instances learn of the write from the database (a trigger's NOTIFY, migration 0033) a moment after its
 * commit; this process must not wait for that, or a test or a request that revokes a session and then uses it
 * would see the old rows.
 *
 * It reads the SQL text each connection is sent: anything that is not a SELECT and names one of the tables counts
 * (a false alarm only costs a cache miss). Kysely opens and ends transactions with plain `begin`/`commit`/`rollback`.
 */
const SIGN_IN_TABLES = /\b(?:sessions|api_tokens|users|user_roles|roles)\b/i;
const READ = /^\s*select\b/i;
const BEGIN = /^\s*(?:begin|start\s+transaction)\b/i;
const END = /^\s*(?:commit|end|abort|rollback)\b(?!\s+to\b)/i;

/** Statements that write those tables without changing what a sign-in decides (the once-a-minute touches). */
const harmless = new Set<string>();
export function notASignInChange(sqlText: string): void {
  harmless.add(sqlText);
}

export class WriteWatch {
  /** Connections inside a write to the tables, until their transaction ends. */
  private open = 0;
  private readonly listeners = new Set<() => void>();

  /** True when no write to the tables is open in this process. */
  get quiet(): boolean {
    return this.open === 0;
  }

  /** Called when a write starts and again when it ends (committed or not). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Wraps one pooled connection's query(); returns the wrapper to install. */
  watch(client: pg.PoolClient, query: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
    let inTransaction = false;
    let writing = false;
    const start = () => {
      if (writing) return;
      writing = true;
      this.open += 1;
      this.changed();
    };
    const end = () => {
      if (!writing) return;
      writing = false;
      this.open -= 1;
      this.changed();
    };
    // A connection dropped mid-transaction goes back to the pool without a commit: its transaction is over.
    client.once('end', end);
    const after = (result: unknown, done: () => void) => {
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    };
    return (...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null && 'text' in first && typeof first.text === 'string' ? first.text : undefined;
      if (text === undefined || READ.test(text)) return query(...args);
      if (BEGIN.test(text)) {
        inTransaction = true;
        return query(...args);
      }
      if (END.test(text)) {
        return after(query(...args), () => {
          inTransaction = false;
          end();
        });
      }
      if (harmless.has(text) || !SIGN_IN_TABLES.test(text)) return query(...args);
      start();
      const result = query(...args);
      return inTransaction ? result : after(result, end);
    };
  }
}
