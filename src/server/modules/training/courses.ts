import { SAFE_DELETION_COURSE, type Bilingual } from '../../../contracts/training.js';

/**
 * The courses that ship with the app. A lesson's text is a help-centre article (src/web/help/), so the course
 * and the help centre never tell two stories; the quiz's answers stay on the server.
 */
export interface CourseDefinition {
  id: string;
  title: Bilingual;
  summary: Bilingual;
  lessons: Array<{ id: string; article: string; title: Bilingual }>;
  questions: Array<{ id: string; text: Bilingual; options: Array<{ id: string; text: Bilingual }>; answer: string }>;
  passScore: number;
}

const t = (en: string, zh: string): Bilingual => ({ en, 'zh-CN': zh });

export const COURSES: readonly CourseDefinition[] = [
  {
    id: SAFE_DELETION_COURSE,
    title: t('Safe deletion', '安全删除'),
    summary: t(
      'What deleting an order does to stock and money, what blocks a deletion, why a reason matters, and how the recycle bin, restore requests and purge work.',
      '删除订单对库存和资金的影响、哪些情况会阻止删除、为什么必须填写原因，以及回收站、恢复申请和彻底删除如何运作。',
    ),
    passScore: 80,
    lessons: [
      { id: 'deleting', article: 'deleting-safely', title: t('Deleting safely', '安全删除订单') },
      { id: 'stock-money', article: 'stock-and-money', title: t('Stock and money', '库存与资金') },
      { id: 'recycle-bin', article: 'recycle-bin', title: t('The recycle bin', '回收站') },
      { id: 'restoring', article: 'restoring', title: t('Restoring and restore requests', '恢复与恢复申请') },
      { id: 'purge', article: 'purge', title: t('Purge', '彻底删除') },
    ],
    questions: [
      {
        id: 'confirmed',
        text: t('You delete a confirmed order that has no payments. What happens to stock and money?', '删除一张没有付款的已确认订单，库存和资金会怎样？'),
        options: [
          { id: 'release', text: t('Its reserved stock is released and its receivable is reversed', '释放其预留库存，并冲销应收款') },
          { id: 'nothing', text: t('Nothing: stock stays reserved and the receivable stays open', '不变：库存仍被预留，应收款仍然挂账') },
          { id: 'erase', text: t('The order and its journal entries are erased', '订单及其流水被抹掉') },
        ],
        answer: 'release',
      },
      {
        id: 'shipped',
        text: t('The preview says a shipped order cannot be deleted. What do you do?', '预览显示已发货订单不能删除，应该怎么做？'),
        options: [
          { id: 'purge', text: t('Ask an administrator to purge it', '请管理员彻底删除它') },
          { id: 'instead', text: t('Do what the preview suggests instead (a return or refund)', '按预览的建议处理（退货或退款）') },
          { id: 'retry', text: t('Delete it together with other orders in one batch', '和其他订单一起批量删除') },
        ],
        answer: 'instead',
      },
      {
        id: 'reason',
        text: t('Which deletion reason needs a note?', '哪种删除原因必须填写说明？'),
        options: [
          { id: 'duplicate', text: t('Duplicate', '重复订单') },
          { id: 'other', text: t('Other', '其他') },
          { id: 'none', text: t('None: a reason is optional', '都不需要：原因可以不填') },
        ],
        answer: 'other',
      },
      {
        id: 'bin',
        text: t('Where does a deleted order go?', '被删除的订单去了哪里？'),
        options: [
          { id: 'bin', text: t('To the recycle bin, restorable until its retention ends', '进入回收站，保留期内可以恢复') },
          { id: 'gone', text: t('It is gone at once', '立即永久消失') },
          { id: 'archive', text: t('It stays in the order list, marked deleted', '仍在订单列表中，只是标记为已删除') },
        ],
        answer: 'bin',
      },
      {
        id: 'restore',
        text: t('You deleted an order by mistake an hour ago and may not restore orders. What now?', '一小时前误删了订单，而你没有恢复权限，怎么办？'),
        options: [
          { id: 'request', text: t('Send a restore request; a manager approves it', '提交恢复申请，由经理批准') },
          { id: 'recreate', text: t('Create the order again by hand', '手工重新录入订单') },
          { id: 'wait', text: t('Nothing can be done', '无法挽回') },
        ],
        answer: 'request',
      },
    ],
  },
];

export const courseById = (id: string) => COURSES.find((course) => course.id === id);
