import { problemCodeOf } from '../../contracts/problems.js';
import type { Language } from '../i18n/locale.js';

/**
 * The help centre's articles: Markdown files shipped inside the bundle, one per language, under
 * articles/<language>/<slug>.md (guides) and problems/<language>/<code>.md (one per problem `type` the API
 * can return: `https://orderly.dev/problems/<code>` opens /help/problems/<code>). A test fails when an article
 * exists in one language only, or a problem type has none.
 */
const GUIDE_FILES = import.meta.glob<string>('./articles/*/*.md', { query: '?raw', import: 'default', eager: true });
const PROBLEM_FILES = import.meta.glob<string>('./problems/*/*.md', { query: '?raw', import: 'default', eager: true });

export interface HelpArticle {
  /** What follows /help/ in the address: `deleting-safely`, `problems/stale_preview`. */
  slug: string;
  kind: 'guide' | 'problem';
  language: string;
  title: string;
  /** The Markdown without its title line. */
  body: string;
}

function parse(files: Record<string, string>, kind: HelpArticle['kind']): HelpArticle[] {
  return Object.entries(files).map(([file, text]) => {
    const [, language, name] = /\/([^/]+)\/([^/]+)\.md$/.exec(file)!;
    const [first, ...rest] = text.split('\n');
    return { slug: kind === 'problem' ? `problems/${name}` : name, kind, language, title: first.replace(/^#\s*/, '').trim(), body: rest.join('\n').trim() };
  });
}

export const ARTICLES: readonly HelpArticle[] = [...parse(GUIDE_FILES, 'guide'), ...parse(PROBLEM_FILES, 'problem')];

/** The order guides are listed in: from finding your way to the rarer tasks. */
const GUIDE_ORDER = ['navigation', 'creating-orders', 'deleting-safely', 'stock-and-money', 'recycle-bin', 'restoring', 'purge', 'backup-and-export', 'permissions', 'cleanup-and-data-quality', 'training', 'practice-workspace'];
const rank = (a: HelpArticle) => (a.kind === 'problem' ? 1000 : GUIDE_ORDER.indexOf(a.slug) === -1 ? 999 : GUIDE_ORDER.indexOf(a.slug));

export function articlesIn(language: Language): HelpArticle[] {
  return ARTICLES.filter((a) => a.language === language).sort((a, b) => rank(a) - rank(b) || a.slug.localeCompare(b.slug));
}

export function findArticle(language: Language, slug: string): HelpArticle | undefined {
  return ARTICLES.find((a) => a.language === language && a.slug === slug);
}

/** The help-centre address of a problem document's `type`, or undefined for one without an article. */
export function problemArticlePath(type: string | undefined): string | undefined {
  const code = problemCodeOf(type);
  return code && ARTICLES.some((a) => a.slug === `problems/${code}`) ? `/help/problems/${code}` : undefined;
}

const plain = (markdown: string) => markdown.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[#*_`|>-]/g, ' ');

/**
 * Every word of the query must occur in the title or the text (case-insensitive; Chinese has no spaces, so
 * a Chinese query is matched as it is typed). Title matches come first.
 */
export function searchArticles(language: Language, query: string): HelpArticle[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return articlesIn(language);
  const scored = articlesIn(language)
    .map((article) => {
      const title = article.title.toLowerCase();
      const text = plain(article.body).toLowerCase();
      if (!words.every((w) => title.includes(w) || text.includes(w))) return null;
      return { article, score: words.filter((w) => title.includes(w)).length };
    })
    .filter((x): x is { article: HelpArticle; score: number } => x !== null);
  return scored.sort((a, b) => b.score - a.score).map((x) => x.article);
}
