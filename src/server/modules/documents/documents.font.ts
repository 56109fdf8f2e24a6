import fs from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';

/**
 * Noto Sans SC (SIL OFL, from the npm package @fontsource/noto-sans-sc, 1.5 MB of its files): its Simplified
 * Chinese file also has Latin, digits and the punctuation we print, so one font serves both languages and a
 * Chinese customer name in an English document. pdfkit embeds only the glyphs used.
 */
const FONT_FILE = '@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-400-normal.woff';
let fontBytes: Buffer | undefined;

/** The document font as a plain OpenType file, read and unpacked once per process. */
export function documentFont(): Buffer {
  if (!fontBytes) {
    let file: string;
    try {
      file = createRequire(import.meta.url).resolve(FONT_FILE);
    } catch (error) {
      throw new Error(`The PDF font ${FONT_FILE} is missing: run npm install (@fontsource/noto-sans-sc is a dependency)`, { cause: error });
    }
    fontBytes = woffToSfnt(fs.readFileSync(file));
  }
  return fontBytes;
}

/**
 * WOFF 1.0 (W3C) back to the OpenType file it wraps: the same tables, each inflated. fontkit reads WOFF too, but
 * inflates a table again at every read of it, so laying out one line of Chinese took seconds; from the plain file
 * it takes a millisecond. (WOFF2's transformed glyph tables cannot be unpacked this simply.)
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF 1.0 font');
  const numTables = woff.readUInt16BE(12);
  const tables = Array.from({ length: numTables }, (_, i) => {
    const entry = 44 + i * 20;
    const offset = woff.readUInt32BE(entry + 4);
    const compressed = woff.readUInt32BE(entry + 8);
    const length = woff.readUInt32BE(entry + 12);
    const stored = woff.subarray(offset, offset + compressed);
    return { tag: woff.subarray(entry, entry + 4), checksum: woff.readUInt32BE(entry + 16), data: compressed < length ? zlib.inflateSync(stored) : stored };
  });
  const padded = (n: number) => (n + 3) & ~3;
  const headerSize = 12 + 16 * numTables;
  const out = Buffer.alloc(tables.reduce((size, t) => size + padded(t.data.length), headerSize));
  woff.copy(out, 0, 4, 8); // the flavour: TrueType or CFF outlines
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 16 * 2 ** entrySelector;
  out.writeUInt16BE(numTables, 4);
  out.writeUInt16BE(searchRange, 6);
  out.writeUInt16BE(entrySelector, 8);
  out.writeUInt16BE(numTables * 16 - searchRange, 10);
  let at = headerSize;
  tables.forEach((table, i) => {
    const record = 12 + i * 16;
    table.tag.copy(out, record);
    out.writeUInt32BE(table.checksum, record + 4);
    out.writeUInt32BE(at, record + 8);
    out.writeUInt32BE(table.data.length, record + 12);
    table.data.copy(out, at);
    at += padded(table.data.length);
  });
  return out;
}
