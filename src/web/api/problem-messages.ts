import type { Problem } from '../../contracts/common.js';
import { problemCodeOf } from '../../contracts/problems.js';
import type { Messages } from '../i18n/en.js';

export interface ProblemText {
  title: string;
  description: string;
}

type FieldIssue = { field: string; message: string; code?: string };

/**
 * A field message in the user's language: the validation catalogue's wording for the schema's exact English
 * message, else a wording for its issue code, else the server's own message.
 */
export function fieldIssueMessage(t: Messages, issue: { message: string; code?: string }): string {
  return (t.validation as Record<string, string>)[issue.message] ?? (issue.code ? t.problems.byIssue[issue.code] : undefined) ?? issue.message;
}

/**
 * A server problem in the user's language: the headline from the status, the explanation from the problem
 * code the `type` names, or the field issues of a 400; the server's English detail only when neither knows it.
 */
export function describeProblem(t: Messages, status: number, problem: Problem & Record<string, unknown>): ProblemText {
  const title = (t.problems.byStatus as Record<number, string>)[status] ?? t.errors.generic;
  const code = problemCodeOf(problem.type);
  const byCode = code ? (t.problems.byCode as Record<string, string>)[code] : undefined;
  if (byCode) return { title, description: byCode };
  const issues = (problem.errors ?? []) as FieldIssue[];
  if (issues.length) return { title, description: issues.map((issue) => t.problems.fieldIssue(issue.field, fieldIssueMessage(t, issue))).join('; ') };
  return { title, description: problem.detail ?? problem.title };
}
