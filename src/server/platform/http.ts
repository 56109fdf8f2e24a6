import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Id } from '../../contracts/common.js';
import { invalid } from './errors.js';

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

export const IdParams = z.object({ id: Id });

/** `If-Match: 3` or `If-Match: "3"` (an ETag) → 3; absent → undefined. */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = String(header).replace(/^W\//, '').replace(/"/g, '').trim();
  if (!/^\d+$/.test(value)) throw invalid('If-Match', 'must be the version of the record, such as 3');
  return Number(value);
}
