import { QuestionCircleOutlined } from '@ant-design/icons';
import { Popover } from 'antd';
import type { ReactNode } from 'react';

/** A "?" next to a heading that explains a risky step in a sentence or two, on hover or tap. */
export function HelpHint({ title, children }: { title?: ReactNode; children: ReactNode }) {
  return (
    <Popover title={title} content={<div style={{ maxWidth: 320 }}>{children}</div>} trigger={['hover', 'click']}>
      <QuestionCircleOutlined className="help-hint" role="img" aria-label="?" style={{ color: '#8c95a6', cursor: 'help', marginInlineStart: 6 }} />
    </Popover>
  );
}
