import { z } from 'zod';
import { optionalText } from './common.js';

export const Username = z
  .string()
  .trim()
  .min(3, 'at least 3 characters')
  .max(64)
  .regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only');
export const Password = z.string().min(10, 'at least 10 characters').max(256);

export const UserLanguage = z.enum(['zh-CN', 'en']);

export const CreateUserInput = z.object({
  username: Username,
  password: Password,
  displayName: optionalText(100),
  roles: z.array(z.string().min(1)).min(1, 'at least one role'),
  /** Departments told about what concerns them (SPEC §5); by default the ones the roles suggest. */
  departments: z.array(z.string().min(1)).max(50).optional(),
  email: z.email('must be an e-mail address').max(200).optional(),
  language: UserLanguage.optional(),
});
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UpdateUserInput = z
  .object({
    displayName: optionalText(100),
    roles: z.array(z.string().min(1)).min(1, 'at least one role'),
    disabled: z.boolean(),
    password: Password,
    departments: z.array(z.string().min(1)).max(50),
    email: z.email('must be an e-mail address').max(200).nullable(),
    language: UserLanguage,
    /** true: the user must choose a new password; their sessions end now (an admin's forced reset). */
    mustChangePassword: z.boolean(),
  })
  .partial();
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

export const UserView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: z.string(),
  departments: z.array(z.string()),
  email: z.string().nullable(),
  language: z.string().nullable(),
  mustChangePassword: z.boolean(),
});
export type UserView = z.infer<typeof UserView>;

export const UserList = z.object({ items: z.array(UserView) });

/** Colleagues' names for owner pickers: what any signed-in user may see, nothing more. */
export const UserDirectoryEntry = UserView.pick({ id: true, username: true, displayName: true });
export const UserDirectory = z.object({ items: z.array(UserDirectoryEntry) });
