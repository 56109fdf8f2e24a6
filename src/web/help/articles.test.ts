import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, PROBLEM_STATUSES } from '../../contracts/problems.js';
import { COURSES } from '../../server/modules/training/courses.js';
import { guidanceEn } from '../i18n/guidance.js';
import { ARTICLES, articlesIn, findArticle, problemArticlePath, searchArticles } from './articles.js';

const LANGUAGES = ['en', 'zh-CN'] as const;
/** Problem types other helpers' work returns (SPEC §5), written before their codes join PROBLEM_CODES. */
const COMING_PROBLEM_TYPES = ['step-up-required', 'approval-required'];

describe('help centre articles', () => {
  it('every article exists in both languages, with a title and a body', () => {
    const slugs = (language: string) => ARTICLES.filter((a) => a.language === language).map((a) => a.slug).sort();
    expect(slugs('en').length).toBeGreaterThan(20);
    expect(slugs('zh-CN')).toEqual(slugs('en'));
    expect(new Set(ARTICLES.map((a) => a.language))).toEqual(new Set(LANGUAGES));
    for (const article of ARTICLES) {
      expect(article.title, article.slug).not.toBe('');
      expect(article.body.length, article.slug).toBeGreaterThan(40);
    }
    // The Chinese article is a translation, not an English copy.
    for (const article of ARTICLES.filter((a) => a.language === 'zh-CN')) expect(article.title, article.slug).toMatch(/[\u4e00-\u9fff]/);
  });

  it('every problem type the API can return has an article in both languages', () => {
    const types = [...PROBLEM_CODES, ...PROBLEM_STATUSES.map(String), ...COMING_PROBLEM_TYPES];
    const missing = types.flatMap((code) => LANGUAGES.filter((language) => !findArticle(language, `problems/${code}`)).map((language) => `${language}/${code}`));
    expect(missing, 'add src/web/help/problems/<language>/<code>.md').toEqual([]);
    expect(problemArticlePath('https://orderly.dev/problems/training-required')).toBe('/help/problems/training-required');
    expect(problemArticlePath('https://orderly.dev/problems/409')).toBe('/help/problems/409');
    expect(problemArticlePath('about:blank')).toBeUndefined();
  });

  it('covers the topics users need, and every link, lesson and tour step points at an existing article', () => {
    for (const topic of ['navigation', 'creating-orders', 'deleting-safely', 'restoring', 'backup-and-export', 'permissions', 'cleanup-and-data-quality']) {
      for (const language of LANGUAGES) expect(findArticle(language, topic), `${language}/${topic}`).toBeDefined();
    }
    const linked = ARTICLES.flatMap((a) => [...a.body.matchAll(/\]\(\/help\/([^)#]+)\)/g)].map((m) => ({ from: `${a.language}/${a.slug}`, language: a.language, slug: m[1] })));
    expect(linked.length).toBeGreaterThan(20);
    for (const link of linked) expect(findArticle(link.language as 'en', link.slug), `${link.from} → ${link.slug}`).toBeDefined();
    for (const lesson of COURSES.flatMap((c) => c.lessons)) for (const language of LANGUAGES) expect(findArticle(language, lesson.article), lesson.article).toBeDefined();
    const tourArticles = Object.values(guidanceEn.tour).flatMap((v) => (Array.isArray(v) ? v.map((s: { article?: string }) => s.article).filter(Boolean) : []));
    for (const slug of tourArticles) expect(findArticle('en', slug!), slug).toBeDefined();
  });

  it('ships as files the bundler includes: one Markdown file per language and article', () => {
    const dir = path.join(import.meta.dirname, 'articles');
    expect(fs.readdirSync(path.join(dir, 'en')).length).toBe(articlesIn('en').filter((a) => a.kind === 'guide').length);
  });

  it('search finds articles by words of their title or text, in either language', () => {
    expect(searchArticles('en', 'recycle')[0].slug).toBe('recycle-bin');
    expect(searchArticles('en', 'purge backup').map((a) => a.slug)).toContain('purge');
    expect(searchArticles('zh-CN', '回收站')[0].slug).toBe('recycle-bin');
    expect(searchArticles('en', 'zzzz-nothing')).toEqual([]);
    expect(searchArticles('en', '').length).toBe(articlesIn('en').length);
  });
});
