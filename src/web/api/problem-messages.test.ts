import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, PROBLEM_STATUSES, PROBLEM_TYPE_BASE } from '../../contracts/problems.js';
import { STATUS_OF } from '../../server/platform/errors.js';
import { en } from '../i18n/en.js';
import { zhCN } from '../i18n/zh-CN.js';
import { describeProblem, fieldIssueMessage } from './problem-messages.js';

const CATALOGUES = { en, 'zh-CN': zhCN };
const HAS_CHINESE = /[\u4E00-\u9FFF]/;

describe('server problems in the user language', () => {
  it('covers every status the error mapper can answer with', () => {
    // AppError codes map to these statuses; Fastify's own client errors add 413 and 415.
    for (const status of Object.values(STATUS_OF)) expect(PROBLEM_STATUSES).toContain(status);
  });

  it.each(Object.entries(CATALOGUES))('has a %s message for every problem code and status', (language, t) => {
    const missing = [
      ...PROBLEM_CODES.filter((code) => !(t.problems.byCode as Record<string, string>)[code]?.trim()).map((code) => `code ${code}`),
      ...PROBLEM_STATUSES.filter((status) => !(t.problems.byStatus as Record<number, string>)[status]?.trim()).map((status) => `status ${status}`),
    ];
    expect(missing).toEqual([]);
    if (language === 'zh-CN') {
      // No English left in the Chinese UI.
      const texts = [...Object.values(t.problems.byCode), ...Object.values(t.problems.byStatus), ...Object.values(t.problems.byIssue)];
      expect(texts.filter((text) => !HAS_CHINESE.test(text))).toEqual([]);
    }
  });

  it('explains a coded problem in the chosen language rather than the server English', () => {
    const problem = { type: `${PROBLEM_TYPE_BASE}stale_preview`, title: 'Conflict', status: 409, detail: 'The orders changed since the preview' };
    expect(describeProblem(zhCN, 409, problem)).toEqual({ title: zhCN.problems.byStatus[409], description: zhCN.problems.byCode.stale_preview });
    expect(describeProblem(en, 409, problem).description).toBe(en.problems.byCode.stale_preview);
  });

  it('translates field issues by exact message, then by issue code, else keeps the server message', () => {
    const problem = {
      type: `${PROBLEM_TYPE_BASE}400`,
      title: 'Invalid input',
      status: 400,
      detail: 'username: must not contain NUL characters',
      errors: [
        { field: 'username', message: 'must not contain NUL characters', code: 'custom' },
        { field: 'note', message: 'Too big: expected string to have <=2000 characters', code: 'too_big' },
      ],
    };
    expect(describeProblem(zhCN, 400, problem).description).toBe(`username：${zhCN.validation['must not contain NUL characters']}; note：${zhCN.problems.byIssue.too_big}`);
    expect(fieldIssueMessage(zhCN, { message: 'something new' })).toBe('something new');
  });

  it('falls back to the server detail for a problem it does not know', () => {
    const problem = { type: `${PROBLEM_TYPE_BASE}brand_new_code`, title: 'Conflict', status: 409, detail: 'Server says why' };
    expect(describeProblem(zhCN, 409, problem)).toEqual({ title: zhCN.problems.byStatus[409], description: 'Server says why' });
  });
});
