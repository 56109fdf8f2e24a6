/**
 * `npm run drill [-- --only sqlite|postgres] [--requests N] [--rounds N] [--orders N] [--seed N] [--short]`
 *
 * The reliability drills of issue #10 on a fresh SQLite file and a fresh PostgreSQL database (DRILL_DATABASE_URL,
 * else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; skipped with a warning when unreachable,
 * refused under CI=true). Prints one table per database and exits non-zero when any row fails.
 */
import { parseArgs } from 'node:util';
import type { Dialect } from '../src/server/db/connect.js';
import { postgresReachable, POSTGRES_URL } from './databases.js';
import { onlyFlag, wholeNumberFlag } from '../bench/cli-options.js';
import { checksOf, formatReport, runDrill, type DrillOptions } from './drill.js';

function readOptions(): DrillOptions & { only?: Dialect } {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      requests: { type: 'string' },
      rounds: { type: 'string' },
      orders: { type: 'string' },
      seed: { type: 'string' },
      short: { type: 'boolean' },
    },
    strict: true,
  });
  const count = wholeNumberFlag;
  const short = values.short === true;
  return {
    only: onlyFlag(values.only),
    requests: count(values.requests, short ? 500 : 5000, 'requests'),
    rounds: count(values.rounds, short ? 3 : 50, 'rounds'),
    orders: count(values.orders, short ? 200 : 2000, 'orders'),
    seed: values.seed === undefined ? undefined : count(values.seed, 1, 'seed'),
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  const dialects: Dialect[] = [];
  if (options.only !== 'postgres') dialects.push('sqlite');
  if (options.only !== 'sqlite') {
    if (await postgresReachable()) dialects.push('postgres');
    else if (process.env.CI === 'true' || options.only === 'postgres') throw new Error(`PostgreSQL at ${POSTGRES_URL} is unreachable`);
    else console.error(`\n!! PostgreSQL at ${POSTGRES_URL} is unreachable: this drill covers SQLite only.\n`);
  }
  const log = (line: string) => console.error(line);
  let failed = 0;
  const summary: string[] = [];
  for (const dialect of dialects) {
    const report = await runDrill(dialect, { ...options, log });
    const checks = checksOf(report, options.requests, options.rounds);
    console.log(formatReport(report, checks));
    const failing = checks.filter((c) => !c.pass);
    failed += failing.length;
    summary.push(`${dialect}: ${checks.length - failing.length}/${checks.length} rows pass${failing.length ? ` — failing: ${failing.map((c) => c.check).join(', ')}` : ''}`);
  }
  console.log(`\n${summary.join('\n')}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
