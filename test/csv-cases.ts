import fc from 'fast-check';

/** The whole text of an export's chunks. */
export async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

/** Text built to hit every rule of a CSV cell: the formula guard, quoting, doubled quotes, line breaks, Chinese, a character outside the BMP. */
export const awkwardText = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ' ', 'a', 'Z', '中', '文', '0', "'", '😀'), maxLength: 12 }),
);

/**
 * The records of a CSV text, header included: line breaks inside a quoted cell (a note typed over two lines) are
 * part of the cell, not the end of a record. A doubled quote toggles twice, so it leaves the state as it was.
 */
export function csvRecordCount(csv: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '\r' && csv[i + 1] === '\n') records++;
  }
  return records;
}
