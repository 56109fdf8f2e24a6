import { Breadcrumb, Flex, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

interface PageHeaderProps {
  title: ReactNode;
  subtitle?: ReactNode;
  /** Trail above the title; the last crumb is the current page and is not a link. */
  crumbs?: Array<{ label: ReactNode; to?: string }>;
  tags?: ReactNode;
  extra?: ReactNode;
}

export function PageHeader({ title, subtitle, crumbs, tags, extra }: PageHeaderProps) {
  return (
    <div className="page-header">
      {crumbs && <Breadcrumb className="page-crumbs" items={crumbs.map((c) => ({ title: c.to ? <Link to={c.to}>{c.label}</Link> : c.label }))} />}
      <Flex justify="space-between" align="center" gap={16} wrap>
        <Flex align="center" gap={12} wrap style={{ minWidth: 0 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {title}
          </Typography.Title>
          {tags}
        </Flex>
        {extra && (
          <Flex gap={8} wrap>
            {extra}
          </Flex>
        )}
      </Flex>
      {subtitle && <Typography.Text type="secondary">{subtitle}</Typography.Text>}
    </div>
  );
}
