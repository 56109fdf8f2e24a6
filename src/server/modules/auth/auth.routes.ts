import { LoginInput, LoginResult, Me, TokenCreated, TokenInput, TokenList } from '../../../contracts/auth.js';
import { NoContent } from '../../../contracts/common.js';
import type { Ctx } from '../../db/context.js';
import type { Config } from '../../config.js';
import { requestMeta, SESSION_COOKIE } from '../../platform/access.js';
import { IdParams, type App } from '../../platform/http.js';
import { LoginThrottle } from './login-throttle.js';
import { createToken, listTokens, login, logout, me, revokeToken } from './auth.service.js';

export function authRoutes(app: App, ctx: Ctx, config: Config): void {
  const throttle = new LoginThrottle();
  app.post('/api/auth/login', { config: { access: 'public' }, schema: { tags: ['auth'], body: LoginInput, response: { 200: LoginResult } } }, async (request, reply) => {
    throttle.check(request.ip);
    const result = await login(ctx, request.body, requestMeta(request), config.sessionHours);
    reply.setCookie(SESSION_COOKIE, result.sessionToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
      maxAge: config.sessionHours * 3600,
    });
    return { user: result.me, csrfToken: result.csrfToken };
  });

  app.post('/api/auth/logout', { config: { access: 'authenticated' }, schema: { tags: ['auth'], response: { 204: NoContent } } }, async (request, reply) => {
    if (request.sessionToken) await logout(ctx, request.actor, request.sessionToken);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', { config: { access: 'authenticated' }, schema: { tags: ['auth'], response: { 200: Me } } }, async (request) => me(ctx, request.actor, request.sessionCsrf));

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
