import { PERMISSIONS, SCOPABLE_PERMISSIONS } from '../../../contracts/permissions.js';
import { NoContent } from '../../../contracts/common.js';
import { CreateRoleInput, PermissionList, RoleList, RoleView, UpdateRoleInput } from '../../../contracts/roles.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createRole, deleteRole, listRoles, updateRole } from './roles.service.js';

export function rolesRoutes(app: App, ctx: Ctx): void {
  app.get('/api/permissions', { config: { access: 'authenticated' }, schema: { tags: ['roles'], response: { 200: PermissionList } } }, async () => ({
    items: PERMISSIONS.map((name) => ({ name, scopable: SCOPABLE_PERMISSIONS.includes(name) })),
  }));
  app.get('/api/roles', { config: { access: 'users.manage' }, schema: { tags: ['roles'], response: { 200: RoleList } } }, async () => ({ items: await listRoles(ctx) }));
  app.post('/api/roles', { config: { access: 'users.manage' }, schema: { tags: ['roles'], body: CreateRoleInput, response: { 201: RoleView } } }, async (request, reply) => {
    reply.code(201);
    return createRole(ctx, request.actor, request.body);
  });
  app.patch('/api/roles/:id', { config: { access: 'users.manage' }, schema: { tags: ['roles'], params: IdParams, body: UpdateRoleInput, response: { 200: RoleView } } }, async (request) =>
    updateRole(ctx, request.actor, Number(request.params.id), request.body),
  );
  app.delete('/api/roles/:id', { config: { access: 'users.manage' }, schema: { tags: ['roles'], params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    await deleteRole(ctx, request.actor, Number(request.params.id));
    return reply.code(204).send(null);
  });
}
