import { AccountView, ChangePasswordInput, TourParams, UpdateAccountInput } from '../../../contracts/account.js';
import { NoContent } from '../../../contracts/common.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { changePassword, getAccount, markTourSeen, resetTour, updateAccount } from './account.service.js';

/** Self-service: every signed-in user manages their own account, and only their own. */
export function accountRoutes(app: App, ctx: Ctx, config: Config): void {
  const policy = { sessionHours: config.sessionHours, lockoutFailures: config.login.lockoutFailures, lockoutMinutes: config.login.lockoutMinutes };
  app.get('/api/me', { config: { access: 'authenticated', duringPasswordReset: true }, schema: { tags: ['account'], response: { 200: AccountView } } }, async (request) => getAccount(ctx, request.actor));
  app.patch('/api/me', { config: { access: 'authenticated' }, schema: { tags: ['account'], body: UpdateAccountInput, response: { 200: AccountView } } }, async (request) =>
    updateAccount(ctx, request.actor, request.body),
  );
  app.post(
    '/api/me/password',
    { config: { access: 'authenticated', duringPasswordReset: true }, schema: { tags: ['account'], summary: 'Change your password; signs out your other sessions', body: ChangePasswordInput, response: { 204: NoContent } } },
    async (request, reply) => {
      await changePassword(ctx, request.actor, request.body, request.sessionToken, policy);
      return reply.code(204).send(null);
    },
  );
  app.put(
    '/api/me/tours/:tourId',
    { config: { access: 'authenticated' }, schema: { tags: ['account'], summary: 'Mark a guided tour as seen, so it does not start by itself again', params: TourParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await markTourSeen(ctx, request.actor, request.params.tourId);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/api/me/tours/:tourId',
    { config: { access: 'authenticated' }, schema: { tags: ['account'], summary: 'Forget that a guided tour was seen, so it starts again at the next sign-in', params: TourParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await resetTour(ctx, request.actor, request.params.tourId);
      return reply.code(204).send(null);
    },
  );
}
