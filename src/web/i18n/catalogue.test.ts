/**
 * Every text of the English catalogue has a Chinese counterpart that is not the English text left in place
 * (issue 18: no English in the Chinese UI). Functions are called with sample arguments and their results
 * compared. The allow-list holds what is the same in both languages on purpose: brand and product names,
 * codes, formats and examples.
 */
import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

const SAME_IN_BOTH = new Set<string>(['Orderly', 'Webhook', 'Webhooks', 'API', 'URL', 'SKU', 'CSV', 'XLSX', 'JSON', 'ID', 'E-mail', 'Email', 'OK']);
/** Texts with no letters of any script (numbers, symbols, placeholders such as "+86 138 0013 8000"). */
const letterless = (text: string) => !/\p{L}/u.test(text);
/** Examples and codes: a sample order number, an address, a URL, an identifier with dots or underscores. */
const looksLikeCode = (text: string) => /^(SO-|https?:|[\w.-]+@[\w.-]+$|[\w-]+\.[\w.*-]+$|[A-Z0-9_-]+$)/.test(text) || /^[a-z]+(_[a-z]+)+$/.test(text);

/** A tour step's target element and help article are ids the code looks up, not texts anyone reads. */
const isReference = (path: string) => /^guidance\.tour\..*\.(target|article)$/.test(path);

type Leaf = { path: string; en: unknown; zh: unknown };

function leaves(a: unknown, b: unknown, path: string, out: Leaf[]): Leaf[] {
  if (a !== null && typeof a === 'object') {
    for (const key of Object.keys(a)) leaves((a as Record<string, unknown>)[key], b && typeof b === 'object' ? (b as Record<string, unknown>)[key] : undefined, path ? `${path}.${key}` : key, out);
    return out;
  }
  out.push({ path, en: a, zh: b });
  return out;
}

const SAMPLE_ARGS = [3, 7, 11, 13];
const textOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') {
    try {
      const result: unknown = (value as (...args: unknown[]) => unknown)(...SAMPLE_ARGS);
      return typeof result === 'string' ? result : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
};

/** "path: text" of every Chinese text that is the English one, outside the allow-list. */
function untranslated(english: unknown, chinese: unknown): string[] {
  return leaves(english, chinese, '', [])
    .map((l) => ({ path: l.path, en: textOf(l.en), zh: textOf(l.zh) }))
    .filter((l) => l.en !== undefined && l.en === l.zh && !SAME_IN_BOTH.has(l.en) && !letterless(l.en) && !looksLikeCode(l.en) && !l.path.startsWith('language.') && !isReference(l.path))
    .map((l) => `${l.path}: ${l.en}`);
}

describe('translation catalogue', () => {
  const all = leaves(en, zhCN, '', []);

  it('walks the whole catalogue', () => {
    expect(all.length).toBeGreaterThan(500);
  });

  it('has every English key in Chinese too', () => {
    expect(all.filter((l) => l.zh === undefined).map((l) => l.path)).toEqual([]);
  });

  it('has no Chinese text that is the English text left in place', () => {
    expect(untranslated(en, zhCN)).toEqual([]);
  });

  it('would notice English left in the Chinese catalogue, in a text and in a function', () => {
    const planted = { ...zhCN, crm: { ...zhCN.crm, customer: { ...zhCN.crm.customer, statement: en.crm.customer.statement, merged: en.crm.customer.merged } } };
    expect(untranslated(en, planted).sort()).toEqual(['crm.customer.merged: Merged: 3 order(s) moved', 'crm.customer.statement: Statement']);
  });
});
