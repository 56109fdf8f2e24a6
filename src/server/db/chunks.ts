/** Parameter lists are cut into pieces both databases accept comfortably (SQLite's and PostgreSQL's bind limits). */
export function idChunks<T>(items: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
