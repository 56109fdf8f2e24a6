import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyServerOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform } from 'fastify-type-provider-zod';
import helmet from 'helmet';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ProblemDocument } from '../contracts/common.js';
import { PROBLEM_TYPE_BASE } from '../contracts/problems.js';
import type { Config } from './config.js';
import type { Ctx } from './db/context.js';
import { isUniqueViolation } from './db/unique-violation.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { auditCheckpointJob } from './platform/audit-checkpoints.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { authenticator } from './modules/auth/auth.service.js';
import { startSessionCache } from './modules/auth/session-cache.js';
import { backupRoutes } from './modules/backup/backup.routes.js';
import { backupJob } from './modules/backup/backup.service.js';
import { cleanupScheduleJob } from './modules/cleanup/cleanup.job.js';
import { cleanupRoutes } from './modules/cleanup/cleanup.routes.js';
import { dataQualityJob } from './modules/data-quality/data-quality.job.js';
import { dataQualityRoutes } from './modules/data-quality/data-quality.routes.js';
import { customersRoutes } from './modules/customers/customers.routes.js';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes.js';
import { dashboardSummaryJob } from './modules/dashboard/dashboard-summary.job.js';
import { practiceRoutes } from './modules/practice/practice.routes.js';
import { PracticeWorkspaces } from './modules/practice/practice.workspaces.js';
import { documentsRoutes } from './modules/documents/documents.routes.js';
import { deletionRoutes } from './modules/deletion/deletion.routes.js';
import { exportRoutes } from './modules/export/export.routes.js';
import { financeRoutes } from './modules/finance/finance.routes.js';
import { notificationsRoutes } from './modules/notifications/notifications.routes.js';
import { integrityRoutes } from './modules/integrity/integrity.routes.js';
import { inventoryRoutes } from './modules/inventory/inventory.routes.js';
import { operationsRoutes } from './modules/operations/operations.routes.js';
import { ordersRoutes } from './modules/orders/orders.routes.js';
import { productsRoutes } from './modules/products/products.routes.js';
import { purgeJob } from './modules/recycle-bin/purge.job.js';
import { recycleBinRoutes } from './modules/recycle-bin/recycle-bin.routes.js';
import { rolesRoutes } from './modules/users/roles.routes.js';
import { savedViewsRoutes } from './modules/saved-views/saved-views.routes.js';
import { settingsRoutes } from './modules/settings/settings.routes.js';
import { governanceRoutes } from './modules/governance/governance.routes.js';
import { trainingRoutes } from './modules/training/training.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { accountRoutes } from './modules/users/account.routes.js';
import { tableSettingsRoutes } from './modules/table-settings/table-settings.routes.js';
import { authenticateRequest, registerAccessControl } from './platform/access.js';
import { canonicalValidatorCompiler } from './platform/canonical-input.js';
import { AppError, STATUS_OF, TITLE_OF, type FieldError } from './platform/errors.js';
import { IDEMPOTENCY_CLEANUP_JOB } from './platform/idempotency.js';
import { searchIndexJob } from './db/search-index.js';
import { startJobs, type JobRunner } from './platform/jobs.js';
import { observeRequestDurations } from './platform/metrics.js';
import { rememberWrites } from './platform/read-routing.js';
import { RequestLog } from './platform/request-log.js';
import { responseSerializerCompiler } from './platform/serializer.js';
import type { App } from './platform/http.js';

const PROBLEM = 'application/problem+json';

/** ORDERLY_TRUST_PROXY=2: believe the nearest two proxies, as proxy-addr does for a hop count. */
const hopsTrusted = (hops: number) => (_address: string, hop: number) => hop < hops;

/** The headers a request-independent middleware (helmet's) sets, collected by running it once on a stand-in response. */
function headersOf(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): Record<string, string | number | string[]> {
  const headers: Record<string, string | number | string[]> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => (headers[name.toLowerCase()] = typeof value === 'object' ? [...value] : value),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  middleware({ headers: {} } as IncomingMessage, response as unknown as ServerResponse, (error) => (failure = error));
  if (failure) throw failure instanceof Error ? failure : new Error('the security headers could not be built', { cause: failure });
  return headers;
}

/** `sandbox`: the app of a practice workspace, which has no practice workspaces of its own. */
export async function buildApp(config: Config, ctx: Ctx, options: { logger?: FastifyServerOptions['logger']; sandbox?: boolean } = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    logController: new RequestLog(config.slowRequestMs),
    // Behind a reverse proxy the client's address comes from X-Forwarded-For, for throttling and the audit log.
    trustProxy: typeof config.trustProxy === 'number' ? hopsTrusted(config.trustProxy) : config.trustProxy,
    bodyLimit: 5 * 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<import('fastify-type-provider-zod').ZodTypeProvider>();
  app.setValidatorCompiler(canonicalValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);

  await app.register(fastifyCookie);
  observeRequestDurations(app);
  rememberWrites(app, ctx, config.secureCookies);
  const access = { sessionIdleMinutes: config.sessionIdleMinutes, authenticator };
  // PostgreSQL: sessions' sign-in rows kept per process (session-cache.ts); nothing until its listener is in place.
  let sessionCache: ReturnType<typeof startSessionCache> = null;
  app.addHook('onReady', async () => {
    sessionCache = startSessionCache(ctx, (error) => app.log.warn({ err: error }, 'session cache: lost the database announcements; reading every session afresh until they are back'));
  });
  app.addHook('onClose', async () => sessionCache?.close());
  // The security headers, built once: @fastify/helmet rebuilt the middleware (re-parsing the CSP) per request,
  // and running helmet's thirteen middlewares per request still cost more than a list's JSON; none of them
  // depends on the request, so their headers are collected once and set together.
  const securityHeaders = headersOf(helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Ant Design injects its CSS-in-JS styles at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
      },
    },
  }));
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Orderly API', version: '0.1.0', description: 'Sales orders with safe deletion and a tamper-evident audit log. Money is a decimal string; errors are application/problem+json.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'orderly_session' }, bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    uiHooks: {
      // The API description maps every route; unless a setting publishes it, only signed-in users read it.
      // swagger-ui's types accept only the callback form of this hook, but it hands the hook to fastify.route(),
      // which awaits an async one like any other route hook.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      onRequest: async (request, reply) => {
        if (config.publicApiDocs) return;
        const auth = await authenticateRequest(ctx, request, access);
        // Answered here: the plugin's routes were registered before the app's error mapper below.
        if (!auth) return reply.code(401).type(PROBLEM).send({ type: 'https://orderly.dev/problems/401', title: TITLE_OF.unauthenticated, status: 401, detail: 'Sign in to read the API documentation', requestId: request.id });
      },
    },
  });
  await app.register(fastifyRateLimit, { global: false });
  // Every API answer may carry personal data, the session's CSRF token (/api/auth/me) or an export: no cache keeps it.
  // A callback hook: an async one costs a promise and its resolution on every response.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    done(null, payload);
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let status: number;
    let detail: string;
    let extra: Record<string, unknown> = {};
    let errors: FieldError[] | undefined;
    let title: string;
    if (error instanceof AppError) {
      status = STATUS_OF[error.code];
      title = TITLE_OF[error.code];
      detail = error.message;
      ({ errors, ...extra } = error.extra);
    } else if (hasZodFastifySchemaValidationErrors(error)) {
      status = 400;
      title = TITLE_OF.validation;
      const where = error.validationContext === 'headers' ? 'header ' : '';
      errors = error.validation.map((v) => ({ field: `${where}${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || error.validationContext || 'body'}`, message: v.message ?? 'is invalid', code: v.keyword }));
      detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    } else if (isUniqueViolation(error)) {
      // A race the service did not anticipate (two requests creating the same unique thing at once).
      status = 409;
      title = TITLE_OF.conflict;
      detail = 'This conflicts with a record that was just created; reload and try again.';
    } else if (typeof error.statusCode === 'number' && error.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large.
      status = error.statusCode;
      title = error.statusCode === 415 ? 'Unsupported media type' : 'Bad request';
      detail = error.message;
    } else {
      request.log.error({ err: error }, 'unhandled error');
      status = 500;
      title = 'Internal error';
      detail = `Something went wrong on our side. Quote request id ${request.id} when reporting it.`;
    }
    void reply
      .code(status)
      .type(PROBLEM)
      // The problem's own members come last: an error's extra members can add to the document, never overwrite them.
      .send({ ...extra, type: `${PROBLEM_TYPE_BASE}${typeof extra.code === 'string' ? extra.code : status}`, title, status, detail, ...(errors ? { errors } : {}), requestId: request.id });
  });

  // Every documented route answers errors with the one problem shape the error handler sends; declared here
  // once, so no route can forget it and /api/docs shows it everywhere.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.schema?.hide) return;
    const problem = { description: 'A problem document', content: { [PROBLEM]: { schema: ProblemDocument } } };
    route.schema = { ...route.schema, response: { '4xx': problem, '5xx': problem, ...(route.schema?.response as object | undefined) } };
  });
  registerAccessControl(app, ctx, access);
  authRoutes(app, ctx, config);
  usersRoutes(app, ctx);
  accountRoutes(app, ctx, config);
  tableSettingsRoutes(app, ctx);
  rolesRoutes(app, ctx);
  customersRoutes(app, ctx);
  productsRoutes(app, ctx);
  inventoryRoutes(app, ctx);
  ordersRoutes(app, ctx);
  exportRoutes(app, ctx);
  documentsRoutes(app, ctx);
  deletionRoutes(app, ctx);
  recycleBinRoutes(app, ctx, config);
  financeRoutes(app, ctx);
  integrityRoutes(app, ctx);
  auditRoutes(app, ctx, config);
  backupRoutes(app, ctx, config);
  notificationsRoutes(app, ctx, config);
  settingsRoutes(app, ctx);
  cleanupRoutes(app, ctx);
  dataQualityRoutes(app, ctx);
  governanceRoutes(app, ctx);
  trainingRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  savedViewsRoutes(app, ctx);
  if (!options.sandbox) {
    const buildSandbox = (sandboxConfig: Config, sandboxCtx: Ctx) => buildApp(sandboxConfig, sandboxCtx, { logger: false, sandbox: true });
    practiceRoutes(app, ctx, new PracticeWorkspaces(config, buildSandbox, (error) => app.log.error({ err: error }, 'practice workspace: a sandbox failed to close')));
  }
  if (config.jobs) {
    let jobs: JobRunner | undefined;
    app.addHook('onReady', async () => {
      jobs = startJobs(ctx, [purgeJob(config), backupJob(config), IDEMPOTENCY_CLEANUP_JOB, auditCheckpointJob(config), cleanupScheduleJob(), dataQualityJob(), dashboardSummaryJob(), searchIndexJob()], { log: app.log });
    });
    app.addHook('onClose', async () => jobs?.stop());
  }
  operationsRoutes(app, ctx, config);
  app.get('/api/health', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ ok: true, database: ctx.dialect }));

  const webRoot = config.webRoot;
  const hasWeb = webRoot !== undefined && fs.existsSync(path.join(webRoot, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webRoot, wildcard: false, index: false });
  app.setNotFoundHandler((request, reply) => {
    // A missing build asset is a 404, not the page: a stale tab asking for an old bundle must not get HTML.
    if (hasWeb && request.method === 'GET' && !request.url.startsWith('/api/') && !request.url.startsWith('/assets/')) {
      // Client-side routes (/orders/42) all load the single page app.
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply.code(404).type(PROBLEM).send({ type: 'about:blank', title: 'Not found', status: 404, detail: `No route ${request.method} ${request.url.split('?')[0]}` });
  });
  return app;
}
