import type { FastifyRequest } from 'fastify';
import { LoginInput, LoginResult, Me, TokenCreated, TokenInput, TokenList } from '../../../contracts/auth.js';
import { NoContent } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import type { Config } from '../../config.js';
import { requestMeta, SESSION_COOKIE } from '../../platform/access.js';
import { AppError } from '../../platform/errors.js';
import { IdParams, type App } from '../../platform/http.js';
import { createToken, listTokens, login, logout, me, revokeToken } from './auth.service.js';
import { StepUpInput, StepUpResult } from '../../../contracts/governance.js';
import { stepUp } from './step-up.service.js';

/**
 * Two brakes on failed sign-ins, in front of the per-account lockout (auth.service.ts): per client address and
 * per username. Only failures count, so a whole office signing in from behind one NAT address is never
 * slowed; and an address that keeps failing is refused (429) before it has locked more than a few accounts
 * (failuresPerAddress / lockoutFailures of them per window). The counters live in this process's memory: with
 * several instances each brakes on its own, while the lockout, kept in the database, is shared.
 */
function loginBrakes(app: App, config: Config) {
  const timeWindow = config.login.windowMinutes * 60_000;
  const byAddress = app.createRateLimit({ max: config.login.failuresPerAddress, timeWindow });
  const byUsername = app.createRateLimit({
    max: config.login.failuresPerUsername,
    timeWindow,
    keyGenerator: (request: FastifyRequest) => `username:${(request.body as LoginInput).username.trim().toLowerCase()}`,
  });
  return {
    /** Looks without counting: a brake that has seen its limit of failures refuses the attempt. */
    async check(request: FastifyRequest): Promise<void> {
      for (const status of await Promise.all([byAddress(request, { increment: false }), byUsername(request, { increment: false })])) {
        if (!status.isAllowed && status.remaining === 0) {
          const retryAfter = Math.max(1, status.ttlInSeconds);
          throw new AppError('rate_limited', `Too many failed sign-ins; try again in ${retryAfter} seconds`, { retryAfter });
        }
      }
    },
    async countFailure(request: FastifyRequest): Promise<void> {
      await Promise.all([byAddress(request), byUsername(request)]);
    },
  };
}

export function authRoutes(app: App, ctx: Ctx, config: Config): void {
  const brakes = loginBrakes(app, config);
  const policy = { sessionHours: config.sessionHours, lockoutFailures: config.login.lockoutFailures, lockoutMinutes: config.login.lockoutMinutes };
  app.post('/api/auth/login', { config: { access: 'public' }, schema: { tags: ['auth'], body: LoginInput, response: { 200: LoginResult } } }, async (request, reply) => {
    try {
      await brakes.check(request);
    } catch (error) {
      if (error instanceof AppError) reply.header('retry-after', String(error.extra.retryAfter));
      throw error;
    }
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await login(ctx, request.body, requestMeta(request), policy);
    } catch (error) {
      if (error instanceof AppError && error.code === 'unauthenticated') await brakes.countFailure(request);
      throw error;
    }
    reply.setCookie(SESSION_COOKIE, result.sessionToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
      maxAge: config.sessionHours * 3600,
    });
    return { user: result.me, csrfToken: result.csrfToken };
  });

  app.post('/api/auth/logout', { config: { access: 'authenticated', duringPasswordReset: true }, schema: { tags: ['auth'], response: { 204: NoContent } } }, async (request, reply) => {
    if (request.sessionToken) await logout(ctx, request.actor, request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  // Not behind the sign-in brakes: the caller is signed in already, and the account lockout counts the failures.
  app.post('/api/auth/step-up', { config: { access: 'authenticated' }, schema: { tags: ['auth'], summary: 'Confirm your password for the next 5 minutes (purge, large deletions, role changes)', body: StepUpInput, response: { 200: StepUpResult } } }, async (request) =>
    stepUp(ctx, request.actor, request.body.password, policy),
  );

  app.get('/api/auth/me', { config: { access: 'authenticated', duringPasswordReset: true }, schema: { tags: ['auth'], response: { 200: Me } } }, async (request) => me(ctx, request.actor, request.sessionCsrf));

  app.post('/api/tokens', { config: { access: 'authenticated' }, schema: { tags: ['tokens'], body: TokenInput, response: { 201: TokenCreated } } }, async (request, reply) => {
    reply.code(201);
    return createToken(ctx, request.actor, request.body.name);
  });
  app.get('/api/tokens', { config: { access: 'authenticated' }, schema: { tags: ['tokens'], response: { 200: TokenList } } }, async (request) => ({ items: await listTokens(ctx, request.actor) }));
  app.delete('/api/tokens/:id', { config: { access: 'authenticated' }, schema: { tags: ['tokens'], params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    await revokeToken(ctx, request.actor, Number(request.params.id));
    return reply.code(204).send(null);
  });
}
