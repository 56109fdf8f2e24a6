import ReactMarkdown from 'react-markdown';
import { Link } from 'react-router';
import remarkGfm from 'remark-gfm';

/**
 * An article's Markdown as React elements (never as HTML: raw HTML in an article is shown as text). Links into
 * the app stay inside it; tables are GitHub-flavoured Markdown.
 */
export function Markdown({ children }: { children: string }) {
  return (
    <div className="help-article">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={{
          a: ({ href, children: label }) =>
            href?.startsWith('/') ? (
              <Link to={href}>{label}</Link>
            ) : (
              <a href={href} target="_blank" rel="noreferrer noopener">
                {label}
              </a>
            ),
        }}
      >
        {children}
      </ReactMarkdown>
    </div>
  );
}
