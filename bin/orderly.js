#!/usr/bin/env node
// The `orderly` operator command: builds on first use, then hands over to the compiled CLI.
import { ensureBuilt } from '../scripts/ensure-built.mjs';

try {
  ensureBuilt();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
const { main } = await import('../dist/src/cli/orderly.js');
process.exitCode = await main(process.argv.slice(2));
