import { Alert, type FormInstance } from 'antd';
import { useState } from 'react';
import { ProblemError } from '../api/http.js';
import { fieldIssueMessage } from '../api/problem-messages.js';
import { useT } from '../i18n/locale.js';
import { issuesFromServer, showFieldIssues, type FieldIssue } from './schema-errors.js';

/** The shared schema's issues, thrown by a mutation before it sends anything, for placeError to put on fields. */
export class FieldIssuesError extends Error {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => i.message).join('; '));
  }
}

/**
 * The issues of one form: those of the shared Zod schema (checked before sending) and those of a 400 from the
 * server land on the fields they name; what no field of this form shows is kept for <UnplacedIssues>.
 */
export function useFieldIssues(form: FormInstance, fields: readonly string[]) {
  const t = useT();
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const place = (issues: FieldIssue[]) => setUnplaced(showFieldIssues(form, issues, t, fields));
  return {
    unplaced,
    clear: () => setUnplaced([]),
    place,
    /**
     * Places a mutation's error if it names fields: the schema's issues (thrown as a FieldIssuesError before sending) or a
     * problem+json with `errors`. Returns false for any other error, which the caller shows its own way.
     */
    placeError(error: unknown): boolean {
      if (error instanceof FieldIssuesError) place(error.issues);
      else if (error instanceof ProblemError && error.fieldErrors.length) place(issuesFromServer(error.fieldErrors));
      else return false;
      return true;
    },
  };
}

export function UnplacedIssues({ issues }: { issues: FieldIssue[] }) {
  const t = useT();
  if (issues.length === 0) return null;
  return <Alert type="error" showIcon style={{ marginBottom: 16 }} title={issues.map((i) => fieldIssueMessage(t, i)).join('; ')} />;
}
