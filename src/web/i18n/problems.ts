import type { ProblemCode, PROBLEM_STATUSES } from '../../contracts/problems.js';

type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

/**
 * What a server problem means, in the user's language: a headline per HTTP status, an explanation per
 * problem code (the `type` the server sends), and a wording per schema issue code for field messages the
 * validation catalogue does not know word for word. The server's English detail is only the fallback.
 */
export const problemsEn = {
  byStatus: {
    400: 'Some input was not accepted',
    401: 'Please sign in again',
    403: 'Not permitted',
    404: 'Not found',
    409: 'That cannot be done right now',
    412: 'Changed by someone else',
    413: 'Too much data in one request',
    415: 'Unsupported request format',
    422: 'The request could not be processed',
    423: 'Locked',
    429: 'Too many requests',
    500: 'Server error',
  } satisfies Record<ProblemStatus, string>,
  byCode: {
    already_decided: 'This restore request has already been decided; a decision cannot be changed.',
    'approval-required': "An order of this amount needs a sales manager's approval: ask for approval, and a manager confirms it.",
    below_reserved: 'Stock on hand cannot fall below what is reserved for confirmed orders.',
    concurrent_change: 'Someone else changed these records at the same time. Reload and try again.',
    csrf: 'Your session is out of date. Reload the page and try again.',
    customer_merged: 'This customer was merged into another one; work with that customer instead.',
    deletion_blocked: 'Nothing was deleted: some of the orders cannot be deleted. See the preview for what to do instead.',
    has_payments: 'The order has payments: refund them first.',
    idempotency_key_reused: 'This request was already sent with different content. Start the action again.',
    in_recycle_bin: 'This order was deleted and is in the recycle bin.',
    insufficient_stock: 'Not enough stock is available.',
    invalid_transition: 'The order is not in a status that allows this step.',
    not_in_recycle_bin: 'Some of these orders are no longer in the recycle bin (restored or purged since).',
    refund_exceeds_payments: 'A refund cannot exceed what was paid.',
    journal_not_settled: 'These orders still hold stock or an open receivable, so they cannot be purged yet.',
    last_admin: 'This is the last enabled administrator: make another user an administrator first.',
    stale_preview: 'The orders changed since the preview. Review the fresh preview and confirm again.',
    'step-up-required': 'This action needs your password again (confirmed within the last 5 minutes).',
    own_purge_request: 'Another administrator must approve your own purge request.',
    'password-reset-required': 'An administrator asked you to choose a new password. Set it on My account to continue.',
    'training-required': 'Deleting orders needs the Safe deletion course first. It takes about ten minutes.',
  } satisfies Record<ProblemCode, string>,
  /** Zod issue codes (the server's `errors[].code`). */
  byIssue: {
    invalid_type: 'Wrong type of value',
    invalid_format: 'Wrong format',
    invalid_value: 'Not one of the allowed values',
    too_big: 'Too large or too long',
    too_small: 'Too small or too short',
    not_multiple_of: 'Not an allowed step',
    unrecognized_keys: 'Unknown field',
    invalid_union: 'Not a valid value',
    invalid_key: 'Invalid field name',
    invalid_element: 'Invalid entry',
    custom: 'Not accepted',
    required_customer_field: 'The customer lacks this detail, which company settings require for orders: add it to the customer first',
    wrong_password: 'Wrong password (or the account is temporarily locked)',
  } as Record<string, string>,
  /** "quantity: Must be greater than 0". */
  fieldIssue: (field: string, message: string) => `${field}: ${message}`,
};

export type ProblemMessages = typeof problemsEn;

export const problemsZhCN: ProblemMessages = {
  byStatus: {
    400: '部分输入未被接受',
    401: '请重新登录',
    403: '无权操作',
    404: '未找到',
    409: '当前无法执行此操作',
    412: '已被他人修改',
    413: '单次提交的数据过多',
    415: '不支持的请求格式',
    422: '请求无法处理',
    423: '已锁定',
    429: '请求过于频繁',
    500: '服务器错误',
  },
  byCode: {
    already_decided: '该恢复申请已处理，处理结果不可更改。',
    'approval-required': '该金额的订单需要销售经理审批：请提交审批申请，由经理确认订单。',
    below_reserved: '现有库存不能低于已确认订单预留的数量。',
    concurrent_change: '其他人同时修改了这些记录，请刷新后重试。',
    csrf: '会话已过期，请刷新页面后重试。',
    customer_merged: '该客户已合并到另一个客户，请改用合并后的客户。',
    deletion_blocked: '未删除任何订单：其中部分订单不可删除，请查看预览中的处理建议。',
    has_payments: '该订单已有付款，请先退款。',
    idempotency_key_reused: '此请求已以不同内容提交过，请重新开始该操作。',
    in_recycle_bin: '该订单已删除，目前在回收站中。',
    insufficient_stock: '可用库存不足。',
    invalid_transition: '订单当前状态不允许此操作。',
    not_in_recycle_bin: '部分订单已不在回收站中（已被恢复或永久删除）。',
    refund_exceeds_payments: '退款金额不能超过已付金额。',
    journal_not_settled: '这些订单仍占用库存或有未结应收款，暂时不能彻底删除。',
    last_admin: '这是最后一个启用的管理员：请先将其他用户设为管理员。',
    stale_preview: '预览之后订单已发生变化，请查看最新预览并再次确认。',
    'step-up-required': '此操作需要再次输入密码确认（5 分钟内有效）。',
    own_purge_request: '自己提交的彻底删除申请须由另一位管理员批准。',
    'password-reset-required': '管理员要求您设置新密码。请在“我的账户”中设置后继续。',
    'training-required': '删除订单前需要先完成“安全删除”课程，大约需要十分钟。',
  },
  byIssue: {
    invalid_type: '值的类型不正确',
    invalid_format: '格式不正确',
    invalid_value: '不是允许的取值',
    too_big: '数值过大或内容过长',
    too_small: '数值过小或内容过短',
    not_multiple_of: '不是允许的步长',
    unrecognized_keys: '未知字段',
    invalid_union: '取值无效',
    invalid_key: '字段名无效',
    invalid_element: '条目无效',
    custom: '未被接受',
    required_customer_field: '客户缺少公司设置要求的这项信息：请先在客户资料中补充',
    wrong_password: '密码错误（或账户已被暂时锁定）',
  },
  fieldIssue: (field: string, message: string) => `${field}：${message}`,
};
