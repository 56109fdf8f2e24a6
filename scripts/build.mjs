// Builds the server, CLI and bench (tsc → dist/src, dist/bench) and then the web app (vite → dist/web).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Written after a successful build; ensure-built compares source mtimes against it. */
export const BUILD_STAMP = path.join(ROOT, 'dist', '.build-stamp');

function runLocalBinary(name, args) {
  const binary = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
  // Only the project's own pinned tools: never let npx fetch something from the registry.
  const [command, commandArgs] = fs.existsSync(binary) ? [binary, args] : ['npx', ['--no-install', name, ...args]];
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

export function build() {
  const started = Date.now();
  runLocalBinary('tsc', ['-p', 'tsconfig.build.json']);
  if (fs.existsSync(path.join(ROOT, 'vite.config.ts'))) {
    runLocalBinary('vite', ['build', '--logLevel', 'warn']);
  } else {
    console.warn('warning: vite.config.ts is missing, so the web app was not built (the API still works).');
  }
  fs.mkdirSync(path.dirname(BUILD_STAMP), { recursive: true });
  fs.writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
  console.error(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
