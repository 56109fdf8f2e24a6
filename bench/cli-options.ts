/** Flag readers shared by `npm run bench` and `npm run drill`, so both spell their errors the same way. */

/** A positive whole number given as `--name 1_000_000` or `1,000,000`; `fallback` when the flag is absent. */
export function wholeNumberFlag(raw: string | undefined, fallback: number, name: string): number {
  const value = raw === undefined ? fallback : Number(raw.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number above 0`);
  return value;
}

/** `--only sqlite|postgres`: which database a run covers (both when absent). */
export function onlyFlag(raw: string | undefined): 'sqlite' | 'postgres' | undefined {
  if (raw !== undefined && raw !== 'sqlite' && raw !== 'postgres') throw new Error('--only must be sqlite or postgres');
  return raw;
}
