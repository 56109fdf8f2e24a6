import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';

/**
 * One canonical form for every string that enters the system: well-formed Unicode, no NUL, NFC.
 *
 * PostgreSQL refuses a NUL in text (a 500 deep inside a query) and SQLite stores it silently; a lone
 * surrogate cannot be encoded as UTF-8 at all, so the audit hash, exports and backups of such a value
 * disagree between databases. Rejecting both at the door, and storing the NFC form of everything else
 * (so "é" typed on two keyboards is one name, one search hit, one hash), keeps every layer behind it simple.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
// Any surrogate: text without one (nearly all) is well-formed as it is, found by a scan without lookarounds.
const SURROGATE = /[\uD800-\uDFFF]/;
// Only text outside ASCII (a code unit from U+0080 up) can change under NFC: the common case skips normalize().
const NON_ASCII = /[\u0080-\uFFFF]/;

export interface NonCanonical {
  /** Where the string is: object keys and array indexes from the root. */
  path: Array<string | number>;
  message: string;
}

/** Why `text` cannot be accepted, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes('\0')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode text';
  return undefined;
}

export function canonicalText(text: string): string {
  return NON_ASCII.test(text) ? text.normalize('NFC') : text;
}

export class NonCanonicalInputError extends Error {
  constructor(readonly problem: NonCanonical) {
    super(`${problem.path.join('.') || 'value'}: ${problem.message}`);
  }
}

export const MAX_INPUT_DEPTH = 64;

/**
 * The canonical copy of a decoded request part (JSON body, query string, params): every string and every
 * object key checked and NFC-normalised. Throws NonCanonicalInputError naming the first bad place.
 */
export function canonicalInput(value: unknown, path: Array<string | number> = []): unknown {
  // JSON.parse accepts any nesting; walking 10,000 levels overflowed the stack (a 500). No contract nests deeper.
  if (path.length > MAX_INPUT_DEPTH) throw new NonCanonicalInputError({ path: path.slice(0, 3), message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) throw new NonCanonicalInputError({ path, message: problem });
    return canonicalText(value);
  }
  if (Array.isArray(value)) return value.map((item, index) => canonicalInput(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) throw new NonCanonicalInputError({ path: [...path, key.replace(/\0/g, '\\0')], message: `field name ${keyProblem}` });
      out[canonicalText(key)] = canonicalInput(item, [...path, key]);
    }
    return out;
  }
  return value;
}

/**
 * For values that are stored but must never make a request fail (User-Agent in the audit log): NUL and
 * other C0 controls, and lone surrogates, become U+FFFD; the rest is NFC.
 */
export function sanitizedText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return canonicalText(wellFormedText(text.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, '\uFFFD')));
}

/**
 * `text` with each lone surrogate as U+FFFD, which has no UTF-8 form: for text written without passing the door's
 * check (the audit log's entries, the journals' rows), so that both databases store, and hash, the same characters.
 */
export function wellFormedText(text: string): string {
  return SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
}

// The shape fastify-type-provider-zod gives its own issues, so the one error mapper (app.ts) names the field.
const ZOD_ISSUE = Symbol.for('ZodFastifySchemaValidationError');

/**
 * The Zod validator compiler with the canonical check in front: every route, present and future, that
 * declares a body, querystring, params or headers schema gets it without doing anything. Headers are
 * checked but not rewritten (Node keeps them as received).
 */
export const canonicalValidatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const validate = validatorCompiler(route as never) as (data: unknown) => { value?: unknown; error?: FastifySchemaValidationError[] };
  return (data: unknown) => {
    let canonical: unknown;
    try {
      canonical = canonicalInput(data);
    } catch (error) {
      if (!(error instanceof NonCanonicalInputError)) throw error;
      const { path, message } = error.problem;
      return {
        error: [
          {
            [ZOD_ISSUE]: true,
            keyword: 'custom',
            instancePath: `/${path.join('/')}`,
            schemaPath: '#/canonical',
            message,
            params: {},
          },
        ] as unknown as FastifySchemaValidationError[],
      };
    }
    return validate(route.httpPart === 'headers' ? data : canonical);
  };
};
