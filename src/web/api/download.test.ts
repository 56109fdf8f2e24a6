import { describe, expect, it } from 'vitest';
import { filenameFromDisposition } from './download.js';

describe('filenameFromDisposition', () => {
  it('reads the quoted and the bare filename parameter', () => {
    expect(filenameFromDisposition('attachment; filename="orders-20260314-0930.xlsx"')).toBe('orders-20260314-0930.xlsx');
    expect(filenameFromDisposition('attachment; filename=orders.csv')).toBe('orders.csv');
    expect(filenameFromDisposition('attachment; filename="say \\"hi\\".csv"')).toBe('say "hi".csv');
  });

  it('prefers the RFC 5987 UTF-8 name, so Chinese names survive', () => {
    expect(filenameFromDisposition(`attachment; filename="orders.csv"; filename*=UTF-8''%E8%AE%A2%E5%8D%95.csv`)).toBe('订单.csv');
  });

  it('keeps only the last path segment and gives up on nothing usable', () => {
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(filenameFromDisposition('attachment; filename="C:\\\\temp\\\\x.json"')).toBe('x.json');
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });
});
