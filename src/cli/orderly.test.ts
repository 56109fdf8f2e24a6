import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findCommand, main } from './orderly.js';

describe('orderly command line', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it('matches multi-word commands by their longest name', () => {
    expect(findCommand(['users', 'create', 'alice', '--role', 'finance'])).toMatchObject({ command: { name: 'users create' }, rest: ['alice', '--role', 'finance'] });
    expect(findCommand(['users'])).toBeUndefined();
    expect(findCommand(['seed', '--orders', '5'])?.command.name).toBe('seed');
  });

  it('exits 2 on unknown commands and bad arguments, 1 on bad configuration', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['frobnicate'])).toBe(2);
    expect(await main(['seed', '--orders', 'lots'])).toBe(2);
    expect(errors.join('\n')).toContain('--orders must be a whole number');
    // Arguments get the canonical check of the HTTP layer: a NUL or a lone surrogate is a usage error naming it.
    expect(await main(['users', 'create', 'al\0ice', '--role', 'finance'])).toBe(2);
    expect(errors.join('\n')).toContain('argument 1 must not contain NUL characters');
    expect(await main(['users', 'create', 'alice', '--role', 'fin\uD800'])).toBe(2);
    expect(errors.join('\n')).toContain('--role must be well-formed Unicode text');
    process.env.PORT = 'not-a-port';
    expect(await main(['migrate'])).toBe(1);
    expect(errors.join('\n')).toContain('PORT');
  });

  it('migrates, then creates a user with several roles and prints the generated password once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderly-cli-'));
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      process.env.ORDERLY_DB = path.join(dir, 'o.db');
      process.env.ORDERLY_ADMIN_PASSWORD = 'admin-password-1';
      expect(await main(['migrate'])).toBe(0);
      expect(lines.join('\n')).toMatch(/Applied \d+ migration/);
      expect(await main(['users', 'create', 'alice', '--role', 'sales_rep', '--role', 'finance'])).toBe(0);
      const output = lines.join('\n');
      expect(output).toContain('Created user alice');
      expect(output).toMatch(/with role\(s\) finance, sales_rep/);
      expect(output).toMatch(/Password: \S{16}/);
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      expect(await main(['users', 'create', 'alice', '--role', 'finance'])).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
