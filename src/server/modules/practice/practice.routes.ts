import type { InjectOptions } from 'fastify';
import { PracticeState } from '../../../contracts/practice.js';
import type { Ctx } from '../../db/context.js';
import { SESSION_COOKIE } from '../../platform/access.js';
import type { App } from '../../platform/http.js';
import type { PracticeWorkspaces } from './practice.workspaces.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The practice sandboxes of this app (absent in a sandbox's own app). */
    practice?: PracticeWorkspaces;
  }
}

/** Requests that always mean the real installation: signing in and out, the practice switch, the live bell. */
const REAL_ONLY = new Set(['/api/auth/login', '/api/auth/logout', '/api/practice', '/api/notifications/stream']);
/** Headers of the sandbox's answer that describe its own connection or session, not the content. */
const NOT_COPIED = new Set(['content-length', 'connection', 'transfer-encoding', 'keep-alive', 'set-cookie', 'date']);

export function practiceRoutes(app: App, ctx: Ctx, workspaces: PracticeWorkspaces): void {
  app.decorate('practice', workspaces);
  app.addHook('onClose', async () => workspaces.close());

  /**
   * A session in practice has each /api request answered by its sandbox's app: after the real access check
   * (the sandbox user holds the same roles) and body parsing, the request is replayed there with the sandbox
   * session's cookie. The real database is never touched by it.
   */
  app.addHook('preValidation', async (request, reply) => {
    const route = request.routeOptions.url;
    if (!route?.startsWith('/api/') || REAL_ONLY.has(route) || !request.sessionToken) return;
    const sandbox = workspaces.activeFor(request.sessionToken);
    if (!sandbox) return;
    const { host: _host, cookie: _cookie, 'content-length': _length, ...headers } = request.headers;
    const answer = await sandbox.app.inject({
      method: request.method as InjectOptions['method'],
      url: request.url,
      remoteAddress: request.ip,
      headers: { ...headers, cookie: `${SESSION_COOKIE}=${sandbox.sessionToken}` } as InjectOptions['headers'],
      payload: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    for (const [name, value] of Object.entries(answer.headers)) if (!NOT_COPIED.has(name) && value !== undefined) void reply.header(name, value);
    return reply.code(answer.statusCode).header('orderly-practice', 'true').send(answer.rawPayload);
  });

  app.get('/api/practice', { config: { access: 'authenticated' }, schema: { tags: ['practice'], summary: 'Whether this session is in its practice workspace', response: { 200: PracticeState } } }, async (request) =>
    workspaces.state(request.sessionToken),
  );
  app.post(
    '/api/practice',
    { config: { access: 'authenticated' }, schema: { tags: ['practice'], summary: 'Open the caller\'s practice workspace (demo data) and answer this session from it', response: { 200: PracticeState } } },
    async (request) => workspaces.open(ctx, request.actor, request.sessionToken, request.sessionCsrf),
  );
  app.delete(
    '/api/practice',
    { config: { access: 'authenticated' }, schema: { tags: ['practice'], summary: 'Leave practice: discard the sandbox, back to the real data', response: { 200: PracticeState } } },
    async (request) => workspaces.leave(request.actor, request.sessionToken),
  );
}
