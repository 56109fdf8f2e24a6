import type { z } from 'zod';
import type { TokenCreated as TokenCreatedSchema, TokenView as TokenViewSchema } from '../../contracts/auth.js';
import type { RoleView, CreateRoleInput, UpdateRoleInput } from '../../contracts/roles.js';
import type { CreateUserInput, UpdateUserInput, UserView } from '../../contracts/users.js';
import { apiGet, apiPatch, apiPost, apiRequest } from './http.js';

export type TokenView = z.infer<typeof TokenViewSchema>;
export type TokenCreated = z.infer<typeof TokenCreatedSchema>;

export const adminKeys = {
  users: ['admin', 'users'] as const,
  roles: ['admin', 'roles'] as const,
  permissions: ['admin', 'permissions'] as const,
  tokens: ['admin', 'tokens'] as const,
};

export const listUsers = () => apiGet<{ items: UserView[] }>('/api/users');
export const createUser = (input: CreateUserInput) => apiPost<UserView>('/api/users', input);
export const updateUser = (id: string, input: UpdateUserInput) => apiPatch<UserView>(`/api/users/${id}`, input);

export const listRoles = () => apiGet<{ items: RoleView[] }>('/api/roles');
export const listPermissions = () => apiGet<{ items: Array<{ name: string; scopable: boolean }> }>('/api/permissions');
export const createRole = (input: CreateRoleInput) => apiPost<RoleView>('/api/roles', input);
export const updateRole = (id: string, input: UpdateRoleInput) => apiPatch<RoleView>(`/api/roles/${id}`, input);
export const deleteRole = (id: string) => apiRequest<void>('DELETE', `/api/roles/${id}`);

export const listTokens = () => apiGet<{ items: TokenView[] }>('/api/tokens');
export const createToken = (name: string) => apiPost<TokenCreated>('/api/tokens', { name });
export const revokeToken = (id: string) => apiRequest<void>('DELETE', `/api/tokens/${id}`);
