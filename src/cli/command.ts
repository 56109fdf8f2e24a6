import type { ParseArgsConfig } from 'node:util';

/**
 * One operator command. Adding a command is one file exporting a Command and one line in orderly.ts.
 * `name` may have several words ("users create", "audit verify"); the longest match wins.
 */
export interface Command {
  name: string;
  /** Arguments after the name, as shown in help: "<username> --role R [--password P]". */
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Returns the exit code; a command that serves resolves once it listens and leaves the process running. */
  run(args: CommandArgs): Promise<number>;
}

export interface CommandArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

/** Wrong arguments: main prints the message with the command's usage and exits 2. */
export class UsageError extends Error {}

export function wholeNumberOption(args: CommandArgs, name: string, options: { required?: boolean; min?: number } = {}): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) {
    if (options.required) throw new UsageError(`--${name} is required`);
    return undefined;
  }
  // Thousands separators are common when typing a million: 1_000_000 or 1,000,000.
  const value = Number(String(raw).replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < (options.min ?? 1)) throw new UsageError(`--${name} must be a whole number of at least ${options.min ?? 1}, not "${String(raw)}"`);
  return value;
}
