#!/usr/bin/env node
/**
 * `npm test`: runs the linter, builds what the browser tests need, decides which databases this run covers, runs Vitest once,
 * and closes with a count per database and a one-line verdict. Extra arguments go to Vitest unchanged
 * (`npm test -- src/server/modules/orders`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CI = process.env.CI === 'true';

/** Runs a child process with our terminal; resolves with its exit code (128 + n when killed by a signal). */
function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 1)));
  });
}

async function buildForBrowserTests() {
  const script = path.join(root, 'scripts', 'ensure-built.mjs');
  if (!fs.existsSync(script)) return;
  const code = await run(process.execPath, [script]);
  if (code !== 0) {
    console.error(`\n✖ scripts/ensure-built.mjs failed (exit ${code}); the browser tests need a built app.`);
    process.exit(code);
  }
}

/**
 * typescript-eslint's type-aware rules (`npm run lint`); a finding stops the run before any test. Outside CI the
 * results of unchanged files are cached, which makes a re-run take seconds instead of minutes; a cached file is
 * not re-checked when only a file it imports changed, so CI (CI=true) always lints from scratch.
 */
async function lint() {
  const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const cache = CI ? [] : ['--cache', '--cache-location', path.join(root, 'node_modules', '.cache', 'eslint', '.eslintcache')];
  const started = Date.now();
  const code = await run(process.execPath, [eslint, ...cache, 'src', 'test', 'e2e', 'bench', 'scripts', 'drill', 'eslint.config.js']);
  if (code !== 0) {
    console.error(`\n✖ ESLint found problems (listed above), so no test ran. Fix them; \`npm run lint\` repeats the check.`);
    process.exit(code);
  }
  console.log(`ESLint: clean (${((Date.now() - started) / 1000).toFixed(1)}s).`);
}

/** Returns null when PostgreSQL answers, else the reason it did not. */
async function probePostgres() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function shout(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width);
  console.error(['', bar, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), bar, ''].join('\n'));
}

/** Decides the dialects and tells test/helpers.ts through ORDERLY_TEST_DIALECTS, so every worker agrees. */
async function chooseDialects() {
  if (process.env.ORDERLY_TEST_DIALECTS) return process.env.ORDERLY_TEST_DIALECTS;
  const problem = await probePostgres();
  if (problem === null) return 'sqlite,postgres';
  if (CI) {
    console.error(`\n✖ CI=true but PostgreSQL at ${PG_URL} is unreachable (${problem}).`);
    console.error('  CI must cover both databases: start PostgreSQL or set TEST_DATABASE_URL.');
    process.exit(1);
  }
  shout([
    `PostgreSQL at ${PG_URL} is unreachable (${problem}).`,
    'Running on SQLITE ONLY: nothing in this run proves the PostgreSQL path works.',
    'Start PostgreSQL or set TEST_DATABASE_URL to cover both databases (CI refuses to skip it).',
  ]);
  return 'sqlite';
}

/** Which database a test ran on, from the "(sqlite)" / "(postgres)" that describe.each puts in its title. */
function dialectOf(assertion) {
  const title = [...(assertion.ancestorTitles ?? []), assertion.title ?? ''].join(' > ');
  if (/\(sqlite\)/i.test(title)) return 'sqlite';
  if (/\(postgres\)/i.test(title)) return 'postgres';
  return 'none';
}

function summarise(report) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const ran = { sqlite: 0, postgres: 0, none: 0 };
  const failures = [];
  for (const file of report.testResults ?? []) {
    const relative = path.relative(root, file.name);
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'passed' || a.status === 'failed') ran[dialectOf(a)]++;
      if (a.status === 'passed') counts.passed++;
      else if (a.status === 'failed') {
        counts.failed++;
        failures.push([relative, ...(a.ancestorTitles ?? []), a.title].join(' > '));
      } else counts.skipped++;
    }
    // A file that fails to load (syntax error, failing beforeAll import) has no failed test to show for it.
    const failedInside = (file.assertionResults ?? []).some((a) => a.status === 'failed');
    if (file.status === 'failed' && !failedInside) {
      counts.failed++;
      failures.push(`${relative} (the file failed before its tests ran: ${String(file.message ?? '').split('\n')[0]})`);
    }
  }
  return { counts, ran, failures };
}

async function main() {
  await lint();
  await buildForBrowserTests();
  const dialects = await chooseDialects();
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-vitest-'));
  const reportFile = path.join(reportDir, 'report.json');
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...process.argv.slice(2)];
  const started = Date.now();
  const code = await run(process.execPath, args, { ...process.env, ORDERLY_TEST_DIALECTS: dialects });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  let report;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  } catch {
    report = null;
  } finally {
    fs.rmSync(reportDir, { recursive: true, force: true });
  }

  console.log('\n──────── Orderly test summary ────────');
  if (!report) {
    console.log(`Vitest exited with code ${code} and wrote no report (did it crash or find no test files?).`);
    console.log('0 passed, 0 failed');
    process.exit(code || 1);
  }
  const { counts, ran, failures } = summarise(report);
  console.log(`Databases covered: ${dialects.split(',').join(' and ')}`);
  console.log(`Tests run on SQLite:     ${ran.sqlite}`);
  console.log(`Tests run on PostgreSQL: ${ran.postgres}${dialects.includes('postgres') ? '' : '  (PostgreSQL was not available)'}`);
  if (ran.none) console.log(`Tests without a database: ${ran.none}`);
  console.log(`Time: ${seconds}s`);
  if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  ✖ ${f}`).join('\n')}`);
  const total = counts.passed + counts.failed;
  if (total === 0) console.log('\nNo test ran: that is a failure, not a pass.');
  if (code !== 0 && counts.failed === 0) console.log(`\nVitest exited with code ${code}: look above for errors outside tests (unhandled rejections, type errors).`);
  console.log(`\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`);
  process.exit(counts.failed > 0 || total === 0 ? 1 : code);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
