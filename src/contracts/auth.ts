import { z } from 'zod';
import { PERMISSIONS } from './permissions.js';

export const LoginInput = z.object({
  username: z.string().trim().min(1, 'required').max(64),
  password: z.string().min(1, 'required').max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const PermissionScope = z.enum(['all', 'own']);
export const PermissionMapSchema = z.partialRecord(z.enum(PERMISSIONS), PermissionScope);

export const Me = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(z.string()),
  permissions: PermissionMapSchema,
  csrfToken: z.string().nullable(),
  /** The user's language (null: zh-CN) and time zone (null: the company's), for the web app's first paint. */
  language: z.string().nullable().optional(),
  timeZone: z.string().nullable().optional(),
  /** An admin forced a password reset: the web app sends the user to choose a new password first. */
  mustChangePassword: z.boolean().optional(),
});
export type Me = z.infer<typeof Me>;

export const LoginResult = z.object({ user: Me, csrfToken: z.string() });

export const TokenInput = z.object({ name: z.string().trim().min(1, 'required').max(100) });
export const TokenCreated = z.object({ id: z.string(), name: z.string(), token: z.string() });
export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const TokenList = z.object({ items: z.array(TokenView) });
