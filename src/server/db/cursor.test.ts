import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors.js';
import { decodeIdCursor, decodeKeysetCursor, decodeTextKeysetCursor, encodeIdCursor, encodeKeysetCursor } from './cursor.js';

// Written out as the three lists handed them out before the codec had one home: clients may still hold these.
const ISSUED = {
  recycleBin: { cursor: 'WyIyMDI2LTAzLTAxVDEwOjAwOjAwLjAwMFoiLDQyXQ', value: ['2026-03-01T10:00:00.000Z', 42] },
  ordersByTotal: { cursor: 'WzE5OTUwLDdd', value: [19950, 7] },
  audit: { cursor: 'YTEyMw', value: 123 },
} as const;

const rejected = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const { code, extra } = error as AppError;
    return `${code} ${extra.errors?.[0]?.field}`;
  }
  return 'accepted';
};

describe('page cursors', () => {
  it('decodes cursors issued before, and encodes the same text again', () => {
    expect(decodeTextKeysetCursor(ISSUED.recycleBin.cursor)).toEqual(ISSUED.recycleBin.value);
    expect(decodeKeysetCursor(ISSUED.ordersByTotal.cursor)).toEqual(ISSUED.ordersByTotal.value);
    expect(decodeIdCursor(ISSUED.audit.cursor)).toBe(ISSUED.audit.value);
    expect(encodeKeysetCursor(...ISSUED.recycleBin.value)).toBe(ISSUED.recycleBin.cursor);
    expect(encodeKeysetCursor(...ISSUED.ordersByTotal.value)).toBe(ISSUED.ordersByTotal.cursor);
    expect(encodeIdCursor(ISSUED.audit.value)).toBe(ISSUED.audit.cursor);
  });

  it('answers a forged or foreign cursor with a validation error naming the cursor, never a value for the database', () => {
    const forged = (text: string) => Buffer.from(text).toString('base64url');
    expect(rejected(() => decodeKeysetCursor('not a cursor'))).toBe('validation cursor');
    expect(rejected(() => decodeKeysetCursor(forged('[1.5,7]')))).toBe('validation cursor');
    expect(rejected(() => decodeKeysetCursor(forged('["x",0]')))).toBe('validation cursor');
    expect(rejected(() => decodeKeysetCursor(forged(`["${'x'.repeat(65)}",1]`)))).toBe('validation cursor');
    expect(rejected(() => decodeTextKeysetCursor(ISSUED.ordersByTotal.cursor))).toBe('validation cursor');
    expect(rejected(() => decodeIdCursor(ISSUED.recycleBin.cursor))).toBe('validation cursor');
    expect(rejected(() => decodeIdCursor(forged('a0')))).toBe('validation cursor');
  });
});
