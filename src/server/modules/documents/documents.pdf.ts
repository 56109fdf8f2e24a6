import type PDFDocument from 'pdfkit';
import { documentFont } from './documents.font.js';

/**
 * A printable business document (an order confirmation, a customer statement), already in the reader's words:
 * the services decide what it says, this file only lays it out on A4 with pdfkit.
 */
export interface PrintDocument {
  /** BCP 47 tag written into the PDF, so screen readers and copy-paste know the language. */
  language: string;
  /** The kind of document, e.g. "Order confirmation". */
  title: string;
  /** What it is about, printed large under the title: the order number, the customer's name. */
  subject: string;
  /** Label and value pairs in two columns under the heading. */
  fields: ReadonlyArray<readonly [string, string]>;
  table: {
    columns: ReadonlyArray<{ title: string; /** Share of the printable width. */ width: number; align?: 'left' | 'right' }>;
    rows: ReadonlyArray<readonly string[]>;
    /** Said instead of an empty table. */
    empty: string;
  };
  /** Right-aligned sums under the table; the last one is printed larger, as the bottom line. */
  totals: ReadonlyArray<readonly [string, string]>;
  /** Left of every page's footer: when and by what it was printed. */
  footer: string;
  page: (page: number, pages: number) => string;
}

const MARGIN = 50;
const FONT_SIZE = 9.5;
const ROW_PADDING = 4;
const INK = '#1f2329';
const MUTED = '#646a73';
const RULE = '#d0d3d6';
const HEADER_FILL = '#f2f3f5';

/** Renders the document as PDF bytes. Pages break between table rows; the table's header repeats on each page. */
export async function renderPdf(model: PrintDocument): Promise<Buffer> {
  // Loaded on the first document, not with the server: pdfkit and its font engine are 11 MB of heap that every
  // process would otherwise carry from start, printing or not (an idle server measured 6 MB smaller resident);
  // export.formats.ts loads exceljs the same way.
  const { default: PdfDocument } = await import('pdfkit');
  const doc = new PdfDocument({ size: 'A4', margin: MARGIN, bufferPages: true, lang: model.language, info: { Title: `${model.title} ${model.subject}`, Producer: 'Orderly' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.registerFont('body', documentFont());
  doc.font('body').fillColor(INK);
  const left = MARGIN;
  const width = doc.page.width - 2 * MARGIN;

  doc.fontSize(11).fillColor(MUTED).text(model.title, left, MARGIN);
  doc.fontSize(20).fillColor(INK).text(model.subject, left, doc.y + 2, { width });
  doc.moveDown(0.6);
  drawFields(doc, model.fields, left, width);
  doc.moveDown(0.8);
  drawTable(doc, model.table, left, width);
  drawTotals(doc, model.totals, left, width);

  // The footer sits in the bottom margin: lift the margin while writing it, or pdfkit would start a new page.
  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN + 16;
    doc.fontSize(8).fillColor(MUTED);
    doc.text(model.footer, left, y, { width: width * 0.75, lineBreak: false });
    doc.text(model.page(i + 1, pages.count), left + width * 0.75, y, { width: width * 0.25, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

type Doc = InstanceType<typeof PDFDocument>;

function bottomOf(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

function drawFields(doc: Doc, fields: PrintDocument['fields'], left: number, width: number): void {
  const columnWidth = width / 2;
  const labelWidth = 78;
  doc.fontSize(FONT_SIZE);
  for (let i = 0; i < fields.length; i += 2) {
    const top = doc.y;
    let rowHeight = 0;
    for (const [j, field] of [fields[i], fields[i + 1]].entries()) {
      if (!field) continue;
      const x = left + j * columnWidth;
      const valueWidth = columnWidth - labelWidth - 12;
      doc.fillColor(MUTED).text(field[0], x, top, { width: labelWidth });
      doc.fillColor(INK).text(field[1] || '—', x + labelWidth, top, { width: valueWidth });
      rowHeight = Math.max(rowHeight, doc.heightOfString(field[1] || '—', { width: valueWidth }), doc.heightOfString(field[0], { width: labelWidth }));
    }
    doc.y = top + rowHeight + 3;
  }
}

function drawTable(doc: Doc, table: PrintDocument['table'], left: number, width: number): void {
  const widths = table.columns.map((c) => c.width * width);
  doc.fontSize(FONT_SIZE);

  const rowHeight = (cells: readonly string[]) => Math.max(...cells.map((cell, i) => doc.heightOfString(cell, { width: widths[i] - 2 * ROW_PADDING }))) + 2 * ROW_PADDING;
  const drawRow = (cells: readonly string[], options: { header?: boolean } = {}) => {
    const top = doc.y;
    const height = rowHeight(cells);
    if (options.header) doc.rect(left, top, width, height).fill(HEADER_FILL);
    let x = left;
    cells.forEach((cell, i) => {
      doc.fillColor(options.header ? MUTED : INK).text(cell, x + ROW_PADDING, top + ROW_PADDING, { width: widths[i] - 2 * ROW_PADDING, align: table.columns[i].align ?? 'left' });
      x += widths[i];
    });
    doc.moveTo(left, top + height).lineTo(left + width, top + height).lineWidth(0.5).strokeColor(RULE).stroke();
    doc.x = left;
    doc.y = top + height;
  };

  const header = table.columns.map((c) => c.title);
  // A header alone at the foot of a page helps nobody: it moves with the first row.
  if (doc.y + rowHeight(header) + rowHeight(table.rows[0] ?? [table.empty]) > bottomOf(doc)) doc.addPage();
  drawRow(header, { header: true });
  if (table.rows.length === 0) {
    doc.fillColor(MUTED).text(table.empty, left + ROW_PADDING, doc.y + ROW_PADDING, { width });
    doc.moveDown(0.5);
    return;
  }
  for (const row of table.rows) {
    if (doc.y + rowHeight(row) > bottomOf(doc)) {
      doc.addPage();
      drawRow(header, { header: true });
    }
    drawRow(row);
  }
}

function drawTotals(doc: Doc, totals: PrintDocument['totals'], left: number, width: number): void {
  const labelWidth = width * 0.25;
  const valueWidth = width * 0.2;
  const x = left + width - labelWidth - valueWidth;
  const needed = totals.length * 18 + 12;
  if (doc.y + needed > bottomOf(doc)) doc.addPage();
  doc.y += 8;
  totals.forEach(([label, value], i) => {
    const last = i === totals.length - 1;
    const top = doc.y;
    doc.fontSize(last ? 12 : FONT_SIZE).fillColor(last ? INK : MUTED).text(label, x, top, { width: labelWidth, align: 'right' });
    doc.fillColor(INK).text(value, x + labelWidth, top, { width: valueWidth, align: 'right' });
    doc.y = top + (last ? 18 : 15);
  });
  doc.x = left;
}
