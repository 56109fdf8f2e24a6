// @ts-check
/**
 * ESLint flat config: typescript-eslint's type-aware recommended rules over everything we ship or run.
 * `npm run lint` runs it; scripts/test.mjs runs it before Vitest so `npm test` fails on a lint error.
 * The rule set is the recommended one; each exception below says why it exists and where it applies.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const unsafeAnyRules = {
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['scripts/*.mjs', 'eslint.config.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a value kept on purpose (a rest-sibling omitted from a copy, a parameter a
      // signature requires), the same convention tsc's noUnusedLocals already follows in this codebase.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Off: async is how a function meets a promise-returning contract here (Fastify handlers must be async to
      // return a value, Kysely's MigrationProvider, the bulk-writer interface). A promise that is not awaited
      // is what hurts, and no-floating-promises / no-misused-promises already catch that.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/web/**/*.{ts,tsx}'],
    rules: {
      // React discards what an event handler returns, and our async handlers report their own failures
      // (mutations' onError, message.error); the check stays on for every non-JSX place a promise is misused.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // Props declare callbacks in method shorthand (`onClose(): void`) and components destructure them; React
      // never calls them with a `this`, so the rule's warning about losing `this` cannot apply.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Backups, restores and migrations walk tables known only at run time (the catalogue, each migration's
    // schema of its day), which Kysely types as Kysely<any>, as its own migration docs do.
    files: ['src/server/modules/backup/**/*.ts', 'src/server/db/migrate.ts', 'src/server/db/migrations/**/*.ts', 'src/server/db/connect.ts', 'src/server/db/catalogue.ts', 'src/server/db/snapshot.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests and the drill (a test harness aimed at a running app) read HTTP responses as untyped JSON
    // (test/helpers.ts `Response<any>`, drill/client.ts `DrillResponse`) and check their shape as they go;
    // declaring a type per response would be a second copy of the contracts that proves nothing more.
    files: ['**/*.test.ts', '**/*.test-support.ts', 'test/**/*.ts', 'e2e/**/*.ts', 'drill/**/*.ts'],
    rules: { ...unsafeAnyRules, '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Plain JavaScript has no annotations to narrow JSON.parse or child-process output with; the other
    // type-aware rules (floating promises, misused promises) still apply.
    files: ['**/*.{js,mjs}'],
    rules: unsafeAnyRules,
  },
);
