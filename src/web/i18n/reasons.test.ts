import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { reasonText } from './reasons.js';
import { zhCN } from './zh-CN.js';

describe('stored reasons in the reader language', () => {
  const zh = (stored: string) => reasonText(zhCN.reasons, zhCN.deletion.reasons, stored);
  it('translates delete reason codes (with or without a note) and the texts the system writes', () => {
    expect(zh('duplicate')).toBe('重复订单');
    expect(zh('entry_error: typed twice')).toBe('录入错误：typed twice');
    expect(zh('order deleted')).toBe('订单已删除');
    expect(zh('opening stock')).toBe('期初库存');
    expect(zh('retention period ended')).toBe('保留期已满');
    expect(reasonText(en.reasons, en.deletion.reasons, 'duplicate: same as SO-1')).toBe('Duplicate order: same as SO-1');
  });
  it('leaves what a person typed as typed, even when it looks like a code', () => {
    expect(zh('盘点差异')).toBe('盘点差异');
    expect(zh('toString')).toBe('toString');
    expect(zh('damaged: two boxes')).toBe('damaged: two boxes');
  });
});
