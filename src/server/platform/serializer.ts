import type { FastifySerializerCompiler } from 'fastify';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';

/**
 * Every response is written from its declared schema by a serialiser compiled once per route and status
 * (fast-json-stringify, Fastify's own): it writes the declared fields and nothing else, so a column added to a
 * query never leaks into an answer. The Zod serialiser it replaces parsed each reply with Zod (a deep copy of
 * every row, a quarter of a list request's time in the app) before JSON.stringify; the guarantee that only
 * declared fields go out is the same, and the schemas stay the ones /api/docs documents.
 */
type JsonSchema = Record<string, unknown>;

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const isPlainType = (s: JsonSchema) => typeof s.type === 'string' && PRIMITIVES.has(s.type) && Object.keys(s).every((k) => k === 'type' || k === 'format' || k === 'enum' || k === 'const' || k === 'description');

/**
 * Rewrites Zod's JSON Schema into what fast-json-stringify writes fastest, with the same output:
 * - `additionalProperties: false` goes: fast-json-stringify never writes an undeclared property anyway, and in a
 *   union it would make a row with an extra field match no branch (a 500) where Zod strips the field;
 * - `anyOf: [X, null]` (a nullable field) becomes `type: [X, 'null']`, checked with typeof rather than with a
 *   validator per value; an `anyOf` with an unconstrained branch (`unknown().nullable()`) is unconstrained.
 */
export function forSerializer(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerializer);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'properties' || key === 'definitions' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, s]) => [name, forSerializer(s)]));
    } else if (key === '$schema') {
      continue;
    } else {
      out[key] = forSerializer(value);
    }
  }
  const anyOf = out.anyOf as JsonSchema[] | undefined;
  if (Array.isArray(anyOf)) {
    if (anyOf.some((branch) => Object.keys(branch).length === 0)) {
      delete out.anyOf;
      return out;
    }
    const nullBranch = anyOf.findIndex((branch) => branch.type === 'null' && Object.keys(branch).length === 1);
    const others = anyOf.filter((_, i) => i !== nullBranch);
    if (nullBranch >= 0 && others.length === 1 && typeof others[0].type === 'string' && (isPlainType(others[0]) || others[0].type === 'object' || others[0].type === 'array')) {
      const { anyOf: _dropped, ...rest } = out;
      return { ...rest, ...others[0], type: [others[0].type, 'null'] };
    }
    if (anyOf.every(isPlainType) && anyOf.every((b) => b.enum === undefined && b.const === undefined)) {
      const { anyOf: _dropped, ...rest } = out;
      return { ...rest, type: [...new Set(anyOf.map((b) => b.type as string))] };
    }
  }
  return out;
}

/** The JSON Schema a response is written from: Zod's output side, as /api/docs shows it. */
export function serializationSchema(schema: unknown): unknown {
  const json = schema instanceof z.ZodType ? z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' }) : schema;
  return forSerializer(json);
}

/**
 * The JSON as UTF-8 bytes: Fastify measures a string reply for its content-length (a full pass over a 14 kB list
 * page, flattening the string the serialiser built piece by piece) and the socket then encodes it again; a
 * Buffer is encoded once and its length is known (bench/README.md, "Read path, fourth round").
 */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) => {
  const stringify = fastJson(serializationSchema(schema) as Parameters<typeof fastJson>[0]);
  // Fastify's types say a string, but it sends any Buffer a serialiser returns as it is (reply.js, onSendEnd).
  return ((data: unknown) => Buffer.from(stringify(data))) as unknown as (data: unknown) => string;
};
