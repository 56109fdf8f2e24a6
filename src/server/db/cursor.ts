import { textProblem } from '../platform/canonical-input.js';
import { invalid } from '../platform/errors.js';

/*
 * Page cursors are opaque to clients, so their format is ours to keep: a cursor handed out before a release
 * must still decode after it. Both formats below are therefore frozen; add a new one rather than change them.
 */

const notACursor = () => invalid('cursor', 'is not a cursor returned by this list');

/** Keyset cursor: the last row's sort value and id, as base64url JSON `[value, id]`. */
export function encodeKeysetCursor(value: string | number, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

const isCursorId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isCursorValue = (v: unknown): v is string | number =>
  typeof v === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length <= 64 && textProblem(v) === undefined;

/**
 * Bounded like the values it stands for (ids and totals are safe integers, sort keys short text): a forged
 * cursor is a 400 naming `cursor`, never a value the database refuses.
 */
export function decodeKeysetCursor(cursor: string): [string | number, number] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && isCursorValue(parsed[0]) && isCursorId(parsed[1])) return [parsed[0], parsed[1]];
  } catch {
    /* answered below */
  }
  throw notACursor();
}

/** A keyset cursor whose sort value is text (a timestamp, a number): a numeric one was not made by that list. */
export function decodeTextKeysetCursor(cursor: string): [string, number] {
  const [value, id] = decodeKeysetCursor(cursor);
  if (typeof value !== 'string') throw notACursor();
  return [value, id];
}

/** Id cursor: base64url of `a<id>`, for lists ordered by id alone. */
export function encodeIdCursor(id: number): string {
  return Buffer.from(`a${id}`).toString('base64url');
}

export function decodeIdCursor(cursor: string): number {
  const match = /^a([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw notACursor();
  return Number(match[1]);
}
