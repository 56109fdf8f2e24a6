/*
 * The one CSV cell writer: the orders export (both databases' paths) and the audit export write text the same way,
 * so a file opened in Excel behaves the same whichever it came from.
 */

/**
 * Excel runs a cell starting with = + - @ (or a tab or carriage return) as a formula; a leading quote keeps it
 * text (OWASP "CSV injection"). Applied to free text only: our own money and times never start that way.
 */
export function textCell(value: string | null): string {
  if (value === null || value === '') return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A cell of any stored value: numbers as they are (a negative one is a number, not a formula), text guarded. */
export function csvCell(value: string | number | null): string {
  return typeof value === 'number' ? String(value) : textCell(value);
}
