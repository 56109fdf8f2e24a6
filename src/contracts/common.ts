import { z } from 'zod';

/** Ids are opaque strings to clients (integers inside). */
export const Id = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be an id');
export type Id = z.infer<typeof Id>;

/** Money travels as a decimal string with at most two decimals, never a float. */
export const Money = z
  .string()
  .regex(/^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$/, 'must be a decimal amount such as "199.00"');
export const NonNegativeMoney = Money.refine((v) => !v.startsWith('-'), 'must not be negative');

/** "199.5" → 19950. Integer arithmetic only: the string is split, never parsed as a float. */
export function toMinor(amount: string): number {
  const negative = amount.startsWith('-');
  const [whole, frac = ''] = (negative ? amount.slice(1) : amount).split('.');
  const minor = Number(whole) * 100 + Number((frac + '00').slice(0, 2));
  return negative ? -minor : minor;
}

/** 19950 → "199.50". */
export function fromMinor(minor: number): string {
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

export const IsoDateTime = z.string().datetime({ offset: true });
/** A date filter accepts a plain day (YYYY-MM-DD) or a full timestamp. */
export const DateFilter = z.union([z.string().date(), IsoDateTime]);

/**
 * Where a DateFilter value starts (`end` false, inclusive) or stops (`end` true, exclusive), as an ISO time: a
 * plain day means the whole day in UTC, so `to=2026-03-31` includes that day; a timestamp includes its own
 * millisecond.
 */
export function dateFilterBound(value: string, end: boolean): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00.000Z`) + (end ? 86_400_000 : 0)).toISOString();
  return new Date(Date.parse(value) + (end ? 1 : 0)).toISOString();
}

export const Limit = z.coerce.number().int().min(1).max(500).default(50);

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() })).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** A query-string or form field sent empty means "not given", so the field's default or absence applies. */
export const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);

/** Form fields are stricter than query strings: only spaces also means "not given". */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Optional text field from a form: empty string means "not given". */
export const optionalText = (max: number) => z.preprocess(blankToUndefined, z.string().trim().max(max).optional());

// One wording for absent fields everywhere the schemas run (server and web forms).
z.config({
  customError: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined),
});

/**
 * Every error response as sent (the Problem above plus the request id, and members a problem type adds such
 * as blockers or shortages): loose, so a type's own members pass, declared for OpenAPI on every route.
 */
export const ProblemDocument = Problem.extend({ requestId: z.string().optional() }).loose();

/** A 204: the route answers with no body. */
export const NoContent = z.null().describe('No content');
