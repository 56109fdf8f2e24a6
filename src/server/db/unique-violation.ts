/**
 * A check-then-insert in a service cannot see a row that a concurrent transaction is inserting, so two
 * requests for the same unique name can both pass the check; the database's unique index then refuses the
 * second. This recognises that refusal on either database, so the service can answer 409 instead of 500.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // better-sqlite3 reports the extended result code; PostgreSQL's SQLSTATE for unique_violation is 23505.
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Runs `command`; a unique violation it hits becomes the error `conflict()` builds, anything else passes through. */
export async function orConflict<T>(command: Promise<T>, conflict: () => Error): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw isUniqueViolation(error) ? conflict() : error;
  }
}
