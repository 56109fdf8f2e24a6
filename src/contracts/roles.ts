import { z } from 'zod';
import { PERMISSIONS, SCOPABLE_PERMISSIONS } from './permissions.js';

const grantValues = [...PERMISSIONS, ...SCOPABLE_PERMISSIONS.map((p) => `${p}:own` as const)] as [string, ...string[]];
export const GrantSchema = z.enum(grantValues);

export const RoleName = z
  .string()
  .trim()
  .min(2, 'at least 2 characters')
  .max(64)
  .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and "_", starting with a letter');

export const CreateRoleInput = z.object({
  name: RoleName,
  description: z.string().trim().max(500).optional(),
  grants: z.array(GrantSchema).max(PERMISSIONS.length * 2),
});
export type CreateRoleInput = z.infer<typeof CreateRoleInput>;

export const UpdateRoleInput = CreateRoleInput.omit({ name: true }).partial();
export type UpdateRoleInput = z.infer<typeof UpdateRoleInput>;

export const RoleView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  builtin: z.boolean(),
  grants: z.array(z.string()),
  userCount: z.number(),
});
export type RoleView = z.infer<typeof RoleView>;

export const RoleList = z.object({ items: z.array(RoleView) });
export const PermissionInfo = z.object({ name: z.enum(PERMISSIONS), scopable: z.boolean() });
export const PermissionList = z.object({ items: z.array(PermissionInfo) });
