import { CreateUserInput, UpdateUserInput, UserDirectory, UserList, UserView } from '../../../contracts/users.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createUser, getUser, listUsers, updateUser } from './users.service.js';

export function usersRoutes(app: App, ctx: Ctx): void {
  app.get('/api/users', { config: { access: 'users.manage' }, schema: { tags: ['users'], response: { 200: UserList } } }, async () => ({ items: await listUsers(ctx) }));
  // Names for owner pickers and filters: any signed-in user may see who their colleagues are, nothing more.
  app.get('/api/users/directory', { config: { access: 'authenticated' }, schema: { tags: ['users'], response: { 200: UserDirectory } } }, async () => ({
    items: (await listUsers(ctx)).filter((u) => !u.disabled).map((u) => ({ id: u.id, username: u.username, displayName: u.displayName })),
  }));
  app.get('/api/users/:id', { config: { access: 'users.manage' }, schema: { tags: ['users'], params: IdParams, response: { 200: UserView } } }, async (request) => getUser(ctx, Number(request.params.id)));
  app.post('/api/users', { config: { access: 'users.manage' }, schema: { tags: ['users'], body: CreateUserInput, response: { 201: UserView } } }, async (request, reply) => {
    reply.code(201);
    return createUser(ctx, request.actor, request.body);
  });
  app.patch('/api/users/:id', { config: { access: 'users.manage' }, schema: { tags: ['users'], params: IdParams, body: UpdateUserInput, response: { 200: UserView } } }, async (request) =>
    updateUser(ctx, request.actor, Number(request.params.id), request.body),
  );
}
