import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The layers of STYLE.md, checked on the import lines themselves: platform/ sits below every module (a module
 * may use it, never the reverse), and a queries file is plain SQL that a service composes, so it never reaches up
 * into a service. A cycle here would start as one convenient import; this test stops the first one.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = path.join(root, 'src', 'server');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic, resolved against the file. */
function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s));
}

/**
 * Lines of a file that speak a dialect: a comparison with a dialect, a dialect named in a string, or a driver
 * imported directly. The CLI reaches the databases through db/, which hides these (bulk-load.ts for the seed).
 */
function dialectBranches(text: string): string[] {
  const speaks = /\bdialect\s*[!=]==?|[!=]==?\s*['"](?:postgres|sqlite)['"]|\bcase\s+['"](?:postgres|sqlite)['"]|\bfrom\s+['"](?:pg|better-sqlite3|pg-cursor)['"]/;
  return text.split('\n').filter((line) => speaks.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line));
}

const relative = (file: string) => path.relative(root, file).split(path.sep).join('/');

/** `file → target` for every import of the files that the rule forbids. */
const crossings = (files: string[], forbidden: (target: string) => boolean) =>
  files.flatMap((file) => importsOf(file).filter(forbidden).map((target) => `${relative(file)} → ${relative(target)}`));
const intoModules = (target: string) => target.startsWith(path.join(server, 'modules') + path.sep);

describe('layering', () => {
  it('reads the import lines it judges (the reader itself)', () => {
    const file = path.join(server, 'platform', 'example.ts');
    const text = [
      "import type { Ctx } from '../db/context.js';",
      "import {\n  authenticateSession,\n} from '../modules/auth/auth.service.js';",
      "export { x } from './x.js';",
      "const later = await import('../modules/orders/orders.service.js');",
      "import 'node:fs';",
    ].join('\n');
    expect(importsOf(file, text).map(relative)).toEqual([
      'src/server/db/context.js',
      'src/server/modules/auth/auth.service.js',
      'src/server/platform/x.js',
      'src/server/modules/orders/orders.service.js',
    ]);
  });

  it('platform/ imports no module', () => {
    expect(crossings(sourceFiles(path.join(server, 'platform')), intoModules)).toEqual([]);
  });

  it('no queries file imports a service', () => {
    const queries = sourceFiles(path.join(server, 'modules')).filter((f) => f.endsWith('.queries.ts'));
    expect(queries.length).toBeGreaterThan(0);
    expect(crossings(queries, (target) => /\.service\.(js|ts)$/.test(target))).toEqual([]);
  });

  it('db/ imports no module', () => {
    expect(crossings(sourceFiles(path.join(server, 'db')), intoModules)).toEqual([]);
  });

  it('recognises a dialect branch (the reader itself)', () => {
    const text = [
      "const loader = config.database.dialect === 'postgres' ? a : b;",
      "if (dialect !== 'sqlite') return;",
      "switch (database.dialect) { case 'postgres': break; }",
      "import SQLite from 'better-sqlite3';",
      "import pg from 'pg';",
      '// on PostgreSQL the dialect === check lives in db/',
      "await migrateToLatest(ctx.kysely, ctx.dialect);",
      "console.log('DATABASE_URL postgres://…');",
    ].join('\n');
    expect(dialectBranches(text)).toHaveLength(5);
  });

  it('src/cli branches on no dialect (those branches live in db/)', () => {
    const cli = sourceFiles(path.join(root, 'src', 'cli'));
    expect(cli.length).toBeGreaterThan(0);
    const found = cli.flatMap((file) => dialectBranches(fs.readFileSync(file, 'utf8')).map((line) => `${relative(file)}: ${line.trim()}`));
    expect(found).toEqual([]);
  });
});
