import { ArrowLeftOutlined, SearchOutlined } from '@ant-design/icons';
import { Card, Col, Empty, Input, List, Result, Row, Typography } from 'antd';
import { Link, useLocation, useSearchParams } from 'react-router';
import { Markdown } from '../../components/guidance/Markdown.js';
import { PageHeader } from '../../components/PageHeader.js';
import { findArticle, searchArticles, type HelpArticle } from '../../help/articles.js';
import { useLocale, useT } from '../../i18n/locale.js';

/** One line of an article list: its title, and the start of its text. */
function ArticleItem({ article }: { article: HelpArticle }) {
  const excerpt = article.body.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, '').replace(/[#|>-]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 140);
  return (
    <List.Item>
      <List.Item.Meta title={<Link to={`/help/${article.slug}`}>{article.title}</Link>} description={`${excerpt}…`} />
    </List.Item>
  );
}

/** /help: the searchable article list; /help/<slug> and /help/problems/<code>: one article. */
export default function HelpPage() {
  const t = useT();
  const h = t.guidance.help;
  const { language } = useLocale();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const slug = decodeURIComponent(location.pathname.replace(/^\/help\/?/, '')).replace(/\/$/, '');

  if (slug) {
    const article = findArticle(language, slug);
    return (
      <>
        <PageHeader title={article?.title ?? h.title} crumbs={[{ label: h.title, to: '/help' }, { label: article?.title ?? slug }]} />
        <Card>
          {article ? (
            <article className="help-article" data-testid="help-article" data-slug={article.slug}>
              <Markdown>{article.body}</Markdown>
            </article>
          ) : (
            <Result status="404" title={h.notFound} />
          )}
          <Link to="/help">
            <ArrowLeftOutlined /> {h.back}
          </Link>
        </Card>
      </>
    );
  }

  const query = params.get('q') ?? '';
  const found = searchArticles(language, query);
  const guides = found.filter((a) => a.kind === 'guide');
  const problems = found.filter((a) => a.kind === 'problem');
  return (
    <>
      <PageHeader title={h.title} subtitle={h.subtitle} />
      <Input
        allowClear
        size="large"
        prefix={<SearchOutlined />}
        placeholder={h.search}
        aria-label={h.search}
        value={query}
        onChange={(e) => setParams(e.target.value ? { q: e.target.value } : {}, { replace: true })}
        style={{ maxWidth: 560, marginBottom: 16 }}
        data-testid="help-search"
      />
      {found.length === 0 ? (
        <Empty description={h.noResults} />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={14}>
            <Card title={h.guides} data-testid="help-guides">
              <List dataSource={guides} renderItem={(a) => <ArticleItem article={a} />} locale={{ emptyText: h.noResults }} />
            </Card>
          </Col>
          <Col xs={24} lg={10}>
            <Card title={h.problems}>
              <List
                size="small"
                dataSource={problems}
                locale={{ emptyText: h.noResults }}
                renderItem={(a) => (
                  <List.Item>
                    <Link to={`/help/${a.slug}`}>{a.title}</Link>
                    <Typography.Text type="secondary" code>
                      {a.slug.replace('problems/', '')}
                    </Typography.Text>
                  </List.Item>
                )}
              />
            </Card>
          </Col>
        </Row>
      )}
    </>
  );
}
