import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll gives up after 1 s by default: a browser page on a loaded two-core machine can take longer
    // to show a table, which made the export journey fail when two suites ran at once.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // Two cores: more workers only make the argon2 hashes and database setups fight.
    maxWorkers: 2,
  },
});
