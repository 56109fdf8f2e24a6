import { z } from 'zod';
import { Id } from './common.js';

/**
 * SPEC §5 "Training": short courses made of lessons (each lesson is a help-centre article, so one text serves
 * both) and a quiz. `safe-deletion` ships built in; with setting `deletionRequiresTraining` nobody deletes
 * before passing it.
 */
export const SAFE_DELETION_COURSE = 'safe-deletion';

/** Text in both UI languages; the web app shows the user's. */
export const Bilingual = z.object({ en: z.string(), 'zh-CN': z.string() });
export type Bilingual = z.infer<typeof Bilingual>;

export const CourseLesson = z.object({
  id: z.string(),
  /** The help-centre article that is the lesson's text (`/help/<article>`). */
  article: z.string(),
  title: Bilingual,
  read: z.boolean(),
});

export const QuizQuestion = z.object({
  id: z.string(),
  text: Bilingual,
  options: z.array(z.object({ id: z.string(), text: Bilingual })),
});

export const Course = z.object({
  id: z.string(),
  title: z.string(),
  titles: Bilingual,
  summary: Bilingual,
  lessons: z.array(CourseLesson),
  questions: z.array(QuizQuestion),
  /** Share of right answers (0–100) needed to pass. */
  passScore: z.number().int(),
  passed: z.boolean(),
  bestScore: z.number().int().nullable(),
  /** Assigned to the caller (directly or through a role), or required by `deletionRequiresTraining`. */
  assigned: z.boolean(),
});
export type Course = z.infer<typeof Course>;
export const CourseList = z.object({ items: z.array(Course) });
export type CourseList = z.infer<typeof CourseList>;

export const CourseParams = z.object({ id: z.string().min(1).max(64) });
export const LessonParams = z.object({ id: z.string().min(1).max(64), lessonId: z.string().min(1).max(64) });

/** `{answers: {<questionId>: <optionId>}}`; an unanswered question counts as wrong. */
export const AttemptInput = z.object({ answers: z.record(z.string().max(64), z.string().max(64)) }).strict();
export type AttemptInput = z.infer<typeof AttemptInput>;
export const AttemptResult = z.object({
  passed: z.boolean(),
  /** Percent of questions answered right. */
  score: z.number().int(),
  /** The questions answered wrong, so the user knows which lessons to read again. */
  wrong: z.array(z.string()),
});
export type AttemptResult = z.infer<typeof AttemptResult>;

export const LessonProgress = z.object({ courseId: z.string(), lessonsRead: z.array(z.string()) });

/** An admin's assignment: a course for everyone holding a role, or for one user. */
export const AssignmentInput = z
  .object({ courseId: z.string().min(1).max(64), role: z.string().min(1).max(64).optional(), userId: Id.optional() })
  .strict()
  .refine((a) => (a.role === undefined) !== (a.userId === undefined), { message: 'name either a role or a user', path: ['role'] });
export type AssignmentInput = z.infer<typeof AssignmentInput>;
export const Assignment = z.object({
  id: Id,
  courseId: z.string(),
  role: z.string().nullable(),
  userId: Id.nullable(),
  username: z.string().nullable(),
  createdAt: z.string(),
});
export type Assignment = z.infer<typeof Assignment>;
export const AssignmentList = z.object({ items: z.array(Assignment) });

export const TrainingReportQuery = z.object({ courseId: z.string().min(1).max(64).default(SAFE_DELETION_COURSE) });
export const TrainingReportRow = z.object({
  userId: Id,
  username: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(z.string()),
  assigned: z.boolean(),
  passed: z.boolean(),
  passedAt: z.string().nullable(),
  bestScore: z.number().int().nullable(),
  attempts: z.number().int(),
  lessonsRead: z.number().int(),
});
export type TrainingReportRow = z.infer<typeof TrainingReportRow>;
export const TrainingReport = z.object({ courseId: z.string(), lessons: z.number().int(), items: z.array(TrainingReportRow) });
export type TrainingReport = z.infer<typeof TrainingReport>;
export const TRAINING_REPORT_COLUMNS = ['username', 'display_name', 'roles', 'assigned', 'passed', 'passed_at', 'best_score', 'attempts', 'lessons_read'] as const;
export const TrainingReportCsv = {
  description: 'Who has passed the course, as CSV',
  content: { 'text/csv': { schema: z.string().describe(`CSV with the columns ${TRAINING_REPORT_COLUMNS.join(', ')}`) } },
};
