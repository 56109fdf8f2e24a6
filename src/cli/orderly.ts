import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../server/config.js';
import { AppError } from '../server/platform/errors.js';
import { UsageError, type Command, type CommandArgs } from './command.js';
import { canonicalText, textProblem } from '../server/platform/canonical-input.js';
import { demoCommand } from './commands/demo.js';
import { auditAnchorsCliCommand, auditCheckpointCliCommand, auditVerifyCliCommand, backupCommands } from './commands/maintenance.js';
import { migrateCommand } from './commands/migrate.js';
import { seedCommand } from './commands/seed.js';
import { startCommand } from './commands/start.js';
import { usersCreateCommand } from './commands/users.js';

/** Every `orderly` command; add new ones here (one file per command under commands/). */
export const COMMANDS: Command[] = [startCommand, demoCommand, migrateCommand, seedCommand, usersCreateCommand, ...backupCommands, auditVerifyCliCommand, auditCheckpointCliCommand, auditAnchorsCliCommand];

const ENVIRONMENT_HELP = [
  'Configuration comes from the environment:',
  '  DATABASE_URL            postgres://… (otherwise the embedded SQLite file ORDERLY_DB, default ./data/orderly.db)',
  '  PORT, HOST              where to serve (default 3000 on 127.0.0.1)',
  '  ORDERLY_ADMIN_PASSWORD  password of `admin` when it is first created (otherwise one is generated and printed)',
];

export function helpText(commands: Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: orderly <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}${c.usage ? `\n  ${' '.repeat(width)}    orderly ${c.name} ${c.usage}` : ''}`),
    '',
    ...ENVIRONMENT_HELP,
  ].join('\n');
}

/** The command named by the leading words of argv (longest name first), and the arguments after it. */
export function findCommand(argv: string[], commands: Command[] = COMMANDS): { command: Command; rest: string[] } | undefined {
  const byLength = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of byLength) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

/**
 * The same canonical form as the HTTP layer (platform/canonical-input.ts): a usage error for a NUL or broken
 * Unicode in any argument, NFC for the rest, so a user created here matches one created in the web app.
 */
function canonicalArgs(args: CommandArgs): CommandArgs {
  const check = (value: string, where: string) => {
    const problem = textProblem(value);
    if (problem) throw new UsageError(`${where} ${problem}`);
    return canonicalText(value);
  };
  const values = Object.fromEntries(
    Object.entries(args.values).map(([name, value]) => {
      const one = (v: string | boolean) => (typeof v === 'string' ? check(v, `--${name}`) : v);
      return [name, Array.isArray(value) ? value.map(one) : value === undefined ? undefined : one(value)];
    }),
  );
  return { values, positionals: args.positionals.map((p, i) => check(p, `argument ${i + 1}`)) };
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0])) {
    console.log(helpText());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    console.error(`Unknown command "${argv.join(' ')}".\n\n${helpText()}`);
    return 2;
  }
  const { command, rest } = found;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(`orderly ${command.name} ${command.usage}\n\n${command.summary}`);
      return 0;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    return await command.run(canonicalArgs({ values: parsed.values, positionals: parsed.positionals }));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nUsage: orderly ${command.name} ${command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof AppError) {
      // Field errors the message does not already spell out (validation messages usually do).
      const fields = (error.extra.errors ?? [])
        .map((e) => `${e.field}: ${e.message}`)
        .filter((line) => !error.message.includes(line))
        .map((line) => `\n  ${line}`)
        .join('');
      console.error(`${error.message}${fields}`);
      return 1;
    }
    console.error(error);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
