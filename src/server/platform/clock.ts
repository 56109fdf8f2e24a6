/** Fixed-width ISO-8601 UTC, so text comparison is time comparison on both databases. */
export const nowIso = (): string => new Date().toISOString();
export const isoPlus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();
