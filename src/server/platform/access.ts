import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '../../contracts/permissions.js';
import type { Ctx } from '../db/context.js';
import type { Actor } from './actor.js';
import { requirePermission } from './actor.js';
import { AppError } from './errors.js';
import { sanitizedText } from './canonical-input.js';

/**
 * Every /api route declares who may call it in `config.access`: a permission, 'authenticated' (any signed-in
 * caller; the service applies finer rules) or 'public'. A route without a declaration fails at start-up.
 */
export type Access = Permission | 'authenticated' | 'public' | { anyOf: Requirement[] };
/** A permission in any scope, or (":all") only when granted for every record. */
export type Requirement = Permission | `${Permission}:all`;

function satisfies(actor: Actor, requirement: Requirement): boolean {
  const [permission, wanted] = requirement.split(':') as [Permission, 'all' | undefined];
  const scope = actor.permissions[permission];
  return wanted === 'all' ? scope === 'all' : scope !== undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Answered while the user still owes the new password an admin asked for (the account page's calls). */
    duringPasswordReset?: true;
  }
  interface FastifyInstance {
    /** Every /api route with its declared access, for the permission matrix test and the docs. */
    declaredRoutes: DeclaredRoute[];
  }
  interface FastifyRequest {
    actor: Actor;
    /** The session's CSRF token; null for bearer tokens. */
    sessionCsrf: string | null;
    sessionToken: string | null;
  }
}

/** Who sent a request, as the audit log records it. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface Authenticated {
  actor: Actor;
  /** Set for cookie sessions: writes must echo it in X-CSRF-Token. */
  csrfToken: string | null;
  /** An admin forced a password reset that the user has not done yet. */
  mustChangePassword?: boolean;
}

/**
 * How a bearer token or a session cookie becomes a caller. The auth module supplies it when the app is built,
 * so platform/ stays below the modules and never imports one.
 */
export interface Authenticator {
  session(ctx: Ctx, sessionToken: string, meta: RequestMeta, idleMinutes: number): Promise<Authenticated | null>;
  token(ctx: Ctx, token: string, meta: RequestMeta): Promise<Authenticated | null>;
}

export interface AccessOptions {
  sessionIdleMinutes: number;
  authenticator: Authenticator;
}

export const SESSION_COOKIE = 'orderly_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const requestMeta = (request: FastifyRequest): RequestMeta => ({
  ip: request.ip ?? null,
  // Stored in the audit log: normalised, never a reason to refuse the request.
  userAgent: request.headers['user-agent'] === undefined ? null : sanitizedText(request.headers['user-agent'].slice(0, 500)),
  requestId: String(request.id),
});

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access;
}

/**
 * Compares the header with the session's token in constant time: an ordinary comparison stops at the first
 * differing character, and its timing tells an attacker how much of a guess was right. Hashing first gives
 * both sides the same length, which timingSafeEqual needs.
 */
export function csrfTokenMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}

/** The caller behind a bearer token or the session cookie, or null; also guards pages outside /api routes (the docs). */
export async function authenticateRequest(ctx: Ctx, request: FastifyRequest, options: AccessOptions): Promise<Authenticated | null> {
  const meta = requestMeta(request);
  const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const cookie = request.cookies?.[SESSION_COOKIE];
  const { authenticator } = options;
  return bearer ? authenticator.token(ctx, bearer, meta) : cookie ? authenticator.session(ctx, cookie, meta, options.sessionIdleMinutes) : null;
}

/** Returns the live list of declared /api routes (filled as routes register), for the permission matrix test. */
export function registerAccessControl(app: FastifyInstance, ctx: Ctx, options: AccessOptions): DeclaredRoute[] {
  const declaredRoutes: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declaredRoutes);
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('sessionCsrf', null);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`Route ${[route.method].flat().join(',')} ${route.url} declares no access (config.access)`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') declaredRoutes.push({ method, url: route.url, access });
  });

  // onRequest, before the body is even parsed: an unauthorised caller learns nothing from validation errors.
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    if (!access || access === 'public') return;
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookie = request.cookies?.[SESSION_COOKIE];
    const auth = await authenticateRequest(ctx, request, options);
    if (!auth) throw new AppError('unauthenticated', bearer ? 'The API token is invalid or revoked' : 'Sign in to continue');
    request.actor = auth.actor;
    request.sessionCsrf = auth.csrfToken;
    request.sessionToken = bearer ? null : (cookie ?? null);
    if (!bearer && !SAFE_METHODS.has(request.method) && (auth.csrfToken === null || !csrfTokenMatches(request.headers['x-csrf-token'], auth.csrfToken))) {
      throw new AppError('forbidden', 'Missing or wrong X-CSRF-Token header', { code: 'csrf' });
    }
    // Until the user has chosen the new password an admin asked for, the account holds nothing but the account
    // page: a session or token an attacker may hold is good for nothing else (the admin's reset also ended sessions).
    if (auth.mustChangePassword && !request.routeOptions.config?.duringPasswordReset) {
      throw new AppError('forbidden', 'Choose a new password first: POST /api/me/password {current,next}', { code: 'password-reset-required' });
    }
    if (typeof access === 'object') {
      if (!access.anyOf.some((r) => satisfies(auth.actor, r))) {
        throw new AppError('forbidden', `Missing permission ${access.anyOf.join(' or ')}`, { permission: access.anyOf[0].split(':')[0] });
      }
    } else if (access !== 'authenticated') {
      requirePermission(auth.actor, access);
    }
  });
  return declaredRoutes;
}
