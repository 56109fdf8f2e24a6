import type { FormInstance } from 'antd';
import type { z } from 'zod';
import type { Messages } from '../i18n/en.js';
import { fieldIssueMessage } from '../api/problem-messages.js';

/**
 * Forms validate with the same Zod schema the server uses, and both the schema's issues and the
 * server's problem+json `errors[{field,message}]` land on the form field they name.
 */

export type FieldPath = Array<string | number>;
export interface FieldIssue {
  path: FieldPath;
  message: string;
  /** The schema's issue code, when the server sent one: the wording to fall back on. */
  code?: string;
}

/** "items.0.quantity" (the server's spelling) → ['items', 0, 'quantity'] (the form's). */
export function parseFieldPath(field: string): FieldPath {
  return field.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

export type SchemaCheck<T> = { ok: true; data: T } | { ok: false; issues: FieldIssue[] };

export function checkWithSchema<S extends z.ZodType>(schema: S, input: unknown): SchemaCheck<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: issue.message })) };
}

/**
 * Puts each issue on its form field and returns the issues no field of the form could show
 * (say, a header or a field the form does not edit), so the caller can show them elsewhere.
 */
export function showFieldIssues(form: FormInstance, issues: FieldIssue[], t: Messages, formFields: readonly string[]): FieldIssue[] {
  const byField = new Map<string, { name: FieldPath; errors: string[] }>();
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    const name = issue.path.length ? issue.path : [];
    if (!name.length || !formFields.includes(String(name[0]))) {
      unplaced.push(issue);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(fieldIssueMessage(t, issue));
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  const first = byField.values().next().value;
  if (first) form.scrollToField(first.name, { block: 'center' });
  return unplaced;
}

export function issuesFromServer(errors: Array<{ field: string; message: string; code?: string }>): FieldIssue[] {
  return errors.map((e) => ({ path: parseFieldPath(e.field), message: e.message, code: e.code }));
}

/** The paths of the values antd reports as changed; lists report only the entries that changed. */
function changedPaths(value: unknown, path: FieldPath = []): FieldPath[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => (v === undefined ? [] : changedPaths(v, [...path, i])));
  if (value && typeof value === 'object' && !('$d' in value)) return Object.entries(value).flatMap(([k, v]) => changedPaths(v, [...path, k]));
  return [path];
}

const startsWith = (name: FieldPath, prefix: FieldPath) => prefix.every((part, i) => name[i] === part);

/**
 * An `onValuesChange` handler: an error put on a field by showFieldIssues goes away as soon as the user
 * edits that field (or anything inside it), as antd's own rule errors do.
 */
export function clearIssuesOnChange(form: FormInstance): (changed: object) => void {
  return (changed) => {
    const edited = changedPaths(changed);
    const stale = form
      .getFieldsError()
      .filter((f) => f.errors.length > 0)
      .filter((f) => edited.some((path) => startsWith(f.name, path) || startsWith(path, f.name)));
    if (stale.length) form.setFields(stale.map((f) => ({ name: f.name, errors: [] })));
  };
}
