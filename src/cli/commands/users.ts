import { randomBytes } from 'node:crypto';
import { CreateUserInput } from '../../contracts/users.js';
import { loadConfig } from '../../server/config.js';
import { adminBanner, openDatabase } from '../../server/main.js';
import { createUser } from '../../server/modules/users/users.service.js';
import { systemActor } from '../../server/platform/actor.js';
import { UsageError, type Command } from '../command.js';

export const usersCreateCommand: Command = {
  name: 'users create',
  usage: '<username> --role R [--role R2 …] [--password P] [--display-name "Name"]',
  summary: 'Create a user with built-in or custom roles (prints a generated password when none is given)',
  options: { role: { type: 'string', multiple: true }, password: { type: 'string' }, 'display-name': { type: 'string' } },
  async run(args) {
    if (args.positionals.length !== 1) throw new UsageError('give exactly one username');
    const generated = args.values.password === undefined ? randomBytes(12).toString('base64url') : undefined;
    const parsed = CreateUserInput.safeParse({
      username: args.positionals[0],
      password: args.values.password ?? generated,
      displayName: args.values['display-name'],
      roles: [args.values.role ?? []].flat(),
    });
    if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
    const config = loadConfig();
    const { ctx, generatedPassword } = await openDatabase(config);
    try {
      for (const line of adminBanner(generatedPassword)) console.log(line);
      const user = await createUser(ctx, systemActor('cli'), parsed.data);
      console.log(`Created user ${user.username} (id ${user.id}) with role(s) ${user.roles.join(', ')}.`);
      if (generated) console.log(`Password: ${generated}\nIt is shown only this once; the user should change it after signing in.`);
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
