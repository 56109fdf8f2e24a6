import { App } from 'antd';
import { createElement } from 'react';
import { problemArticlePath } from '../help/articles.js';
import { ProblemError } from '../api/http.js';
import { describeProblem } from '../api/problem-messages.js';
import { useT } from '../i18n/locale.js';

/**
 * One key for every error notification: a new failure replaces the one on screen instead of stacking a column of
 * toasts (a flaky connection failing five queries at once showed five).
 */
const ERROR_KEY = 'request-error';

/** Shows any failed request as a notification: a translated headline, the server's explanation below. */
export function useShowError(): (error: unknown) => void {
  const { notification } = App.useApp();
  const t = useT();
  return (error) => {
    if (error instanceof ProblemError) {
      const { title, description } = describeProblem(t, error.status, error.problem);
      // The problem's `type` names its help-centre article: "Read more" opens it.
      const article = problemArticlePath(error.problem.type);
      notification.error({
        key: ERROR_KEY,
        title: error.code === 'insufficient_stock' ? t.errors.insufficientStock : title,
        description: article ? createElement('span', null, description, ' ', createElement('a', { href: article }, t.guidance.tour.learnMore)) : description,
        placement: 'topRight',
      });
    } else {
      notification.error({ key: ERROR_KEY, title: t.errors.generic, description: t.errors.network, placement: 'topRight' });
    }
  };
}
