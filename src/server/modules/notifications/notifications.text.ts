/**
 * Titles, bodies and links of notifications, rendered from stored facts in the reader's language when read
 * (and in the recipient's language when e-mailed), so a user who switches language sees their whole inbox in it.
 */
export type Language = 'zh-CN' | 'en';
export const languageOf = (value: string | null | undefined): Language => (value && value.toLowerCase().startsWith('en') ? 'en' : 'zh-CN');

export interface NotificationParams {
  orderId?: string;
  number?: string;
  /** The first few order numbers of a grouped notification. */
  numbers?: string[];
  batchId?: string | null;
  actorName?: string | null;
  reason?: { code: string; note: string | null } | null;
  requestId?: string;
  from?: string;
  data?: Record<string, unknown>;
}

const REASONS: Record<Language, Record<string, string>> = {
  en: { customer_cancelled: 'customer cancelled', duplicate: 'duplicate', entry_error: 'entry error', test_data: 'test data', cleanup: 'cleanup', other: 'other' },
  'zh-CN': { customer_cancelled: '客户取消', duplicate: '重复订单', entry_error: '录入错误', test_data: '测试数据', cleanup: '定期清理', other: '其他' },
};

const VERBS: Record<Language, Record<string, string>> = {
  en: {
    'order.created': 'created',
    'order.confirmed': 'confirmed',
    'order.shipped': 'shipped',
    'order.completed': 'completed',
    'order.cancelled': 'cancelled',
    'order.deleted': 'deleted',
    'order.restored': 'restored',
    'order.purged': 'permanently purged',
  },
  'zh-CN': {
    'order.created': '已创建',
    'order.confirmed': '已确认',
    'order.shipped': '已发货',
    'order.completed': '已完成',
    'order.cancelled': '已取消',
    'order.deleted': '已删除',
    'order.restored': '已恢复',
    'order.purged': '已永久清除',
  },
};

function reasonText(lang: Language, reason: NotificationParams['reason']): string {
  if (!reason) return '';
  const code = REASONS[lang][reason.code] ?? reason.code;
  const note = reason.note ? ` (${reason.note})` : '';
  return lang === 'en' ? `reason: ${code}${note}` : `原因：${code}${note}`;
}

export function renderNotification(topic: string, p: NotificationParams, count: number, lang: Language): { title: string; body: string } {
  const en = lang === 'en';
  const who = p.actorName ?? (en ? 'the system' : '系统');
  const orders = count > 1 ? (en ? `${count} orders` : `${count} 个订单`) : (p.number ?? (en ? 'an order' : '订单'));
  const sample = count > 1 && p.numbers?.length ? `${p.numbers.join(', ')}${count > p.numbers.length ? ' …' : ''}` : '';
  const verb = VERBS[lang][topic];
  if (verb) {
    const reason = reasonText(lang, p.reason);
    const title = en ? `${orders} ${verb} by ${who}${reason ? `: ${reason}` : ''}` : `${who}${verb.replace(/^已/, '')}了${orders}${reason ? `，${reason}` : ''}`;
    // One order or several: "the order is" / "the orders are" (and 该订单 / 这些订单), never a plural for one.
    const one = count <= 1;
    const extra: Record<string, string> = en
      ? {
          'order.deleted': one ? 'The order is in the recycle bin and can be restored until it is purged.' : 'The orders are in the recycle bin and can be restored until they are purged.',
          'order.restored': one ? 'If the order was confirmed, its stock and receivable were posted again.' : 'Stock and receivables were posted again for the orders that were confirmed.',
          'order.purged': one ? 'The order is gone for good; the audit log keeps its number and total.' : 'The orders are gone for good; the audit log keeps their numbers and totals.',
        }
      : {
          'order.deleted': one ? '该订单已移入回收站，清除前可以恢复。' : '这些订单已移入回收站，清除前可以恢复。',
          'order.restored': one ? '如该订单已确认，其库存预留和应收款已重新记账。' : '其中已确认订单的库存预留和应收款已重新记账。',
          'order.purged': one ? '该订单已永久删除；审计日志保留其编号和金额。' : '这些订单已永久删除；审计日志保留其编号和金额。',
        };
    return { title, body: [sample, extra[topic] ?? ''].filter(Boolean).join(en ? ' — ' : ' — ') };
  }
  switch (topic) {
    case 'restore_request.created':
      return en
        ? { title: `${who} asks to restore ${orders}`, body: 'Review the restore request and approve or reject it.' }
        : { title: `${who}申请恢复${orders}`, body: '请审核该恢复申请并批准或拒绝。' };
    case 'restore_request.approved':
      return en ? { title: `Your restore request was approved by ${who}`, body: sample } : { title: `${who}批准了你的恢复申请`, body: sample };
    case 'restore_request.rejected':
      return en ? { title: `Your restore request was rejected by ${who}`, body: sample } : { title: `${who}拒绝了你的恢复申请`, body: sample };
    case 'purge_request.created':
      return en
        ? { title: `${who} asks to permanently purge ${orders}`, body: 'A second administrator must approve or reject the purge request.' }
        : { title: `${who}申请彻底删除${orders}`, body: '需要另一位管理员批准或拒绝该彻底删除申请。' };
    case 'purge_request.approved':
      return en ? { title: `Your purge request was approved by ${who}`, body: sample } : { title: `${who}批准了你的彻底删除申请`, body: sample };
    case 'purge_request.rejected':
      return en ? { title: `Your purge request was rejected by ${who}`, body: sample } : { title: `${who}拒绝了你的彻底删除申请`, body: sample };
    case 'order.approval_requested':
      return en ? { title: `${who} asks you to approve ${orders}`, body: '' } : { title: `${who}请你审批${orders}`, body: '' };
    case 'cleanup.review_opened':
      return en ? { title: 'A cleanup review is waiting for you', body: '' } : { title: '有一项清理审核等待处理', body: '' };
    case 'cleanup.executed':
      return en ? { title: `Cleanup moved ${orders} to the recycle bin`, body: sample } : { title: `定期清理已将${orders}移入回收站`, body: sample };
    case 'data_quality.violations_found':
      return en ? { title: 'Data-quality checks found problems', body: '' } : { title: '数据质量检查发现问题', body: '' };
    default:
      return en ? { title: `${topic}: ${orders}`, body: '' } : { title: `${topic}：${orders}`, body: '' };
  }
}

/** Where a notification leads in the web app. */
export function linkOf(topic: string, p: NotificationParams, count: number): string | null {
  if (topic === 'order.deleted') return p.batchId ? `/recycle-bin?batchId=${encodeURIComponent(p.batchId)}` : '/recycle-bin';
  if (topic === 'order.purged') return '/recycle-bin';
  if (topic.startsWith('restore_request.')) return p.requestId ? `/restore-requests?id=${encodeURIComponent(p.requestId)}` : '/restore-requests';
  if (topic.startsWith('cleanup.')) return '/cleanup';
  if (topic.startsWith('purge_request.')) return '/purge-requests';
  if (topic === 'data_quality.violations_found') return '/data-quality';
  if (p.orderId && count === 1) return `/orders/${p.orderId}`;
  return '/orders';
}
