// Builds only when needed, so `npm start` on a fresh clone just works and later starts stay instant.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, ROOT, build } from './build.mjs';

/** Everything a build reads: a change to any of them makes dist stale. */
const INPUTS = ['src', 'bench', 'drill', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts', 'package.json'];

function newestMtime(entry) {
  let stat;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** Why dist must be rebuilt, or null when it is up to date. */
export function staleReason() {
  if (!fs.existsSync(BUILD_STAMP)) return 'dist is missing';
  const builtAt = fs.statSync(BUILD_STAMP).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(path.join(ROOT, input)) > builtAt);
  return changed ? `${changed} changed since the last build` : null;
}

export function ensureBuilt() {
  const reason = staleReason();
  if (!reason) return;
  console.error(`Building Orderly (${reason})…`);
  build();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureBuilt();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
