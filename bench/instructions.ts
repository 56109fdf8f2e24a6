/**
 * Instructions the server spends per read request, counted by valgrind's callgrind: the same build, the same
 * database and the same requests give the same count however busy the machine is, where wall-clock figures on
 * a shared machine are mostly the neighbours. Used to compare builds of the read path (bench/README.md, "Read
 * path, second round").
 *
 *   node dist/bench/instructions.js [--dist DIR] [--requests N] [--warmup N] [--log off|default] [--only a,b] [--port P]
 *
 * The database is the one the server would use (ORDERLY_DB or DATABASE_URL; seed it first with
 * `npm run seed -- --orders 1000000`), signed in as `admin` with ORDERLY_ADMIN_PASSWORD. `--dist` serves another
 * build's dist/ (an older commit built elsewhere) with this driver, so two builds meet the same requests. The
 * server runs under `valgrind --tool=callgrind` with V8's background threads off (`--single-threaded`, so JIT and
 * GC happen where they are counted, in the same order every run), one client, keep-alive. After `--warmup`
 * requests of every scenario (JIT-compiled, pages cached) each scenario's counters are zeroed, `--requests`
 * requests sent, and the total dumped: instructions per request = total / requests. `--log default` serves with the
 * logger the configuration asks for (ORDERLY_LOG_LEVEL, written to /dev/null), `off` as the bench does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { localRequest, readScenarios, serveBuild, type ReadScenario } from './read-requests.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OWN_DIST = path.resolve(HERE, '..');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const request = (port: number, method: string, urlPath: string, headers: Record<string, string>, body?: string) => localRequest(agent, port, method, urlPath, headers, body);

/** The port the server reports once listening (it may have picked a free one). */
function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /\{"listening":(\d+)\}/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
}

function totalsOf(file: string): number {
  const match = /^totals:\s*(\d+)/m.exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`no totals in ${file}`);
  return Number(match[1]);
}

async function drive(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', default: OWN_DIST },
      requests: { type: 'string', default: '500' },
      warmup: { type: 'string', default: '300' },
      log: { type: 'string', default: 'off' },
      only: { type: 'string' },
      port: { type: 'string', default: '0' },
    },
  });
  const requests = Number(values.requests);
  const warmup = Number(values.warmup);
  const password = process.env.ORDERLY_ADMIN_PASSWORD;
  if (!password) throw new Error('set ORDERLY_ADMIN_PASSWORD to the admin password of the database');
  const only = values.only?.split(',');
  const chosen = (await readScenarios(requests)).filter((s) => !only || only.some((o) => s.name.includes(o)));

  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-callgrind-'));
  // valgrind and callgrind_control find each other by a file named after LOGNAME and HOSTNAME, which a shell does not
  // always export: both get the same.
  const names = { LOGNAME: os.userInfo().username, USER: os.userInfo().username, HOSTNAME: os.hostname() };
  const server = spawn(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${outDir}/cg.%p`, '--dump-instr=no', 'node', '--single-threaded', fileURLToPath(import.meta.url), 'serve', path.resolve(values.dist), values.port, values.log],
    { env: { ...process.env, ...names, ORDERLY_JOBS: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  try {
    const port = await listeningPort(server);
    const login = await request(port, 'POST', '/api/auth/login', {}, JSON.stringify({ username: 'admin', password }));
    if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${login.text}`);
    const cookie = [login.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('orderly_session='))!.split(';')[0];
    const headers = { cookie };
    // The request log (with --log default) goes nowhere, as to a file nobody reads, but is written all the same.
    server.stdout.resume();
    const run = async (scenario: ReadScenario, n: number) => {
      for (let i = 0; i < n; i++) {
        const response = await request(port, 'GET', scenario.paths[i % scenario.paths.length], headers);
        if (response.status !== 200) throw new Error(`${scenario.name}: ${response.status} ${response.text.slice(0, 300)}`);
      }
    };
    for (const scenario of chosen) await run(scenario, warmup);
    const control = (flag: string) => {
      const result = spawnSync('callgrind_control', [flag, String(server.pid)], { encoding: 'utf8', env: { ...process.env, ...names } });
      if (result.status !== 0 || /error/i.test(result.stderr)) throw new Error(`callgrind_control ${flag}: ${result.stderr}`);
    };
    console.log(`build ${path.resolve(values.dist)}, log ${values.log}, ${requests} requests per scenario after ${warmup} warm-up requests each`);
    for (const scenario of chosen) {
      control('--zero');
      await run(scenario, requests);
      const before = new Set(fs.readdirSync(outDir));
      control('--dump');
      // The dump is written by the server process once it takes the command; wait for the file to be complete.
      let dumped: string[] = [];
      for (let attempt = 0; attempt < 600 && dumped.length === 0; attempt++) {
        dumped = fs.readdirSync(outDir).filter((f) => !before.has(f) && /^totals:/m.test(fs.readFileSync(path.join(outDir, f), 'utf8')));
        if (dumped.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (dumped.length !== 1) throw new Error(`expected one new dump, found ${dumped.join(', ') || 'none'}`);
      const perRequest = totalsOf(path.join(outDir, dumped[0])) / requests;
      console.log(`${scenario.name.padEnd(32)} ${Math.round(perRequest).toLocaleString('en').padStart(12)} instructions/request`);
    }
  } catch (error) {
    console.error(stderr.split('\n').slice(-30).join('\n'));
    throw error;
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'serve') {
  serveBuild(process.argv[3], Number(process.argv[4]), process.argv[5]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  drive().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
