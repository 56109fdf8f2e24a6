import type { Kysely } from 'kysely';
import {
  SAFE_DELETION_COURSE,
  TRAINING_REPORT_COLUMNS,
  type Assignment,
  type AssignmentInput,
  type AttemptInput,
  type AttemptResult,
  type CourseList,
  type TrainingReport,
} from '../../../contracts/training.js';
import type { Ctx } from '../../db/context.js';
import type { DB } from '../../db/schema.js';
import { requirePermission, type Actor } from '../../platform/actor.js';
import { recordAudit } from '../../platform/audit.js';
import { nowIso } from '../../platform/clock.js';
import { csvCell } from '../../platform/csv.js';
import { AppError, invalid, notFound } from '../../platform/errors.js';
import { getSetting } from '../settings/settings.service.js';
import { COURSES, courseById, type CourseDefinition } from './courses.js';

function requireCourse(id: string): CourseDefinition {
  const course = courseById(id);
  if (!course) throw notFound(`Course ${id}`);
  return course;
}

function requireUser(actor: Actor): number {
  if (actor.userId === null) throw new AppError('forbidden', 'Training is for users');
  return actor.userId;
}

async function rolesOf(db: Kysely<DB>, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select('roles.name').where('user_roles.user_id', '=', userId).execute();
  return rows.map((r) => r.name);
}

export async function hasPassed(db: Kysely<DB>, userId: number, courseId: string): Promise<boolean> {
  const row = await db.selectFrom('training_attempts').select('id').where('user_id', '=', userId).where('course_id', '=', courseId).where('passed', '=', 1).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * The deletion gate (SPEC §5): with `deletionRequiresTraining` on, a user (or a user's API token) who has not
 * passed `safe-deletion` may neither preview nor execute a deletion. System jobs are not people and pass.
 */
export async function assertTrainedForDeletion(db: Kysely<DB>, actor: Actor): Promise<void> {
  if (actor.type === 'system' || actor.userId === null) return;
  if (!(await getSetting(db, 'deletionRequiresTraining'))) return;
  if (await hasPassed(db, actor.userId, SAFE_DELETION_COURSE)) return;
  throw new AppError('forbidden', `Pass the ${SAFE_DELETION_COURSE} course before deleting orders`, { code: 'training-required', courseId: SAFE_DELETION_COURSE });
}

/** GET /api/training/courses: every course with the caller's progress, best score and whether it is theirs to take. */
export async function listCourses(ctx: Ctx, actor: Actor): Promise<CourseList> {
  const userId = requireUser(actor);
  const db = ctx.kysely;
  const [roles, progress, attempts, assignments, gate] = await Promise.all([
    rolesOf(db, userId),
    db.selectFrom('training_progress').select(['course_id', 'lesson_id']).where('user_id', '=', userId).execute(),
    db.selectFrom('training_attempts').select(['course_id', 'score', 'passed']).where('user_id', '=', userId).execute(),
    db.selectFrom('training_assignments').select(['course_id', 'role', 'user_id']).execute(),
    getSetting(db, 'deletionRequiresTraining'),
  ]);
  const read = new Set(progress.map((p) => `${p.course_id}/${p.lesson_id}`));
  return {
    items: COURSES.map((course) => {
      const mine = attempts.filter((a) => a.course_id === course.id);
      const assigned =
        (gate && course.id === SAFE_DELETION_COURSE) ||
        assignments.some((a) => a.course_id === course.id && (Number(a.user_id) === userId || (a.role !== null && roles.includes(a.role))));
      return {
        id: course.id,
        title: course.title.en,
        titles: course.title,
        summary: course.summary,
        lessons: course.lessons.map((l) => ({ ...l, read: read.has(`${course.id}/${l.id}`) })),
        questions: course.questions.map(({ id, text, options }) => ({ id, text, options })),
        passScore: course.passScore,
        passed: mine.some((a) => a.passed === 1),
        bestScore: mine.length === 0 ? null : Math.max(...mine.map((a) => Number(a.score))),
        assigned,
      };
    }),
  };
}

/** Marks one lesson read; reading it again changes nothing. */
export async function markLessonRead(ctx: Ctx, actor: Actor, courseId: string, lessonId: string): Promise<{ courseId: string; lessonsRead: string[] }> {
  const userId = requireUser(actor);
  const course = requireCourse(courseId);
  if (!course.lessons.some((l) => l.id === lessonId)) throw notFound(`Lesson ${lessonId}`);
  return ctx.kysely.transaction().execute(async (trx) => {
    await trx
      .insertInto('training_progress')
      .values({ user_id: userId, course_id: courseId, lesson_id: lessonId, read_at: nowIso() })
      .onConflict((oc) => oc.columns(['user_id', 'course_id', 'lesson_id']).doNothing())
      .execute();
    const rows = await trx.selectFrom('training_progress').select('lesson_id').where('user_id', '=', userId).where('course_id', '=', courseId).execute();
    return { courseId, lessonsRead: course.lessons.map((l) => l.id).filter((id) => rows.some((r) => r.lesson_id === id)) };
  });
}

/** POST /api/training/courses/:id/attempts: scores the answers, stores the attempt and audits it in one transaction. */
export async function submitAttempt(ctx: Ctx, actor: Actor, courseId: string, input: AttemptInput): Promise<AttemptResult> {
  const userId = requireUser(actor);
  const course = requireCourse(courseId);
  for (const [questionId, optionId] of Object.entries(input.answers)) {
    const question = course.questions.find((q) => q.id === questionId);
    if (!question) throw invalid(`answers.${questionId}`, 'is not a question of this course');
    if (!question.options.some((o) => o.id === optionId)) throw invalid(`answers.${questionId}`, 'is not one of the options');
  }
  const wrong = course.questions.filter((q) => input.answers[q.id] !== q.answer).map((q) => q.id);
  const score = Math.round((100 * (course.questions.length - wrong.length)) / course.questions.length);
  const passed = score >= course.passScore;
  return ctx.kysely.transaction().execute(async (trx) => {
    await trx.insertInto('training_attempts').values({ user_id: userId, course_id: courseId, score, passed: passed ? 1 : 0, created_at: nowIso() }).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: passed ? 'training.passed' : 'training.failed', entityType: 'course', entityId: courseId, entityLabel: course.title.en, diff: { score } });
    return { passed, score, wrong };
  });
}

type AssignmentRow = { id: number; course_id: string; role: string | null; user_id: number | null; username: string | null; created_at: string };
const toAssignment = (row: AssignmentRow): Assignment => ({
  id: String(row.id),
  courseId: row.course_id,
  role: row.role,
  userId: row.user_id === null ? null : String(row.user_id),
  username: row.username,
  createdAt: row.created_at,
});

export async function listAssignments(ctx: Ctx, actor: Actor): Promise<{ items: Assignment[] }> {
  requirePermission(actor, 'training.manage');
  const rows = await ctx.kysely
    .selectFrom('training_assignments')
    .leftJoin('users', 'users.id', 'training_assignments.user_id')
    .select(['training_assignments.id', 'training_assignments.course_id', 'training_assignments.role', 'training_assignments.user_id', 'users.username', 'training_assignments.created_at'])
    .orderBy('training_assignments.id')
    .execute();
  return { items: rows.map(toAssignment) };
}

export async function createAssignment(ctx: Ctx, actor: Actor, input: AssignmentInput): Promise<Assignment> {
  requirePermission(actor, 'training.manage');
  const course = courseById(input.courseId);
  if (!course) throw invalid('courseId', 'is not a course');
  return ctx.kysely.transaction().execute(async (trx) => {
    let username: string | null = null;
    if (input.role !== undefined) {
      const role = await trx.selectFrom('roles').select('id').where('name', '=', input.role).executeTakeFirst();
      if (!role) throw invalid('role', 'is not a role');
    } else {
      const user = await trx.selectFrom('users').select('username').where('id', '=', Number(input.userId)).executeTakeFirst();
      if (!user) throw invalid('userId', 'is not a user');
      username = user.username;
    }
    const created_at = nowIso();
    const row = await trx
      .insertInto('training_assignments')
      .values({ course_id: course.id, role: input.role ?? null, user_id: input.userId === undefined ? null : Number(input.userId), created_by: actor.userId, created_at })
      .returning('id')
      .executeTakeFirstOrThrow();
    const assignment = toAssignment({ id: Number(row.id), course_id: course.id, role: input.role ?? null, user_id: input.userId === undefined ? null : Number(input.userId), username, created_at });
    await recordAudit(trx, ctx.dialect, actor, { action: 'training.assign', entityType: 'course', entityId: course.id, entityLabel: course.title.en, diff: { role: assignment.role, user: username } });
    return assignment;
  });
}

export async function deleteAssignment(ctx: Ctx, actor: Actor, id: number): Promise<void> {
  requirePermission(actor, 'training.manage');
  await ctx.kysely.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('training_assignments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Assignment');
    await trx.deleteFrom('training_assignments').where('id', '=', id).execute();
    await recordAudit(trx, ctx.dialect, actor, { action: 'training.unassign', entityType: 'course', entityId: row.course_id, diff: { role: row.role, userId: row.user_id === null ? null : String(row.user_id) } });
  });
}

/** Who has passed a course: every enabled user, assigned or not, with attempts and lessons read. */
export async function trainingReport(ctx: Ctx, actor: Actor, courseId: string): Promise<TrainingReport> {
  requirePermission(actor, 'training.manage');
  const course = courseById(courseId);
  if (!course) throw invalid('courseId', 'is not a course');
  const db = ctx.kysely;
  const [users, userRoles, attempts, progress, assignments, gate] = await Promise.all([
    db.selectFrom('users').select(['id', 'username', 'display_name']).where('disabled', '=', 0).orderBy('username').execute(),
    db.selectFrom('user_roles').innerJoin('roles', 'roles.id', 'user_roles.role_id').select(['user_roles.user_id', 'roles.name']).execute(),
    db
      .selectFrom('training_attempts')
      .select((eb) => ['user_id', eb.fn.countAll<number>().as('attempts'), eb.fn.max('score').as('best'), eb.fn.min(eb.case().when('passed', '=', 1).then(eb.ref('created_at')).end()).as('passed_at')])
      .where('course_id', '=', courseId)
      .groupBy('user_id')
      .execute(),
    db.selectFrom('training_progress').select((eb) => ['user_id', eb.fn.countAll<number>().as('n')]).where('course_id', '=', courseId).groupBy('user_id').execute(),
    db.selectFrom('training_assignments').select(['role', 'user_id']).where('course_id', '=', courseId).execute(),
    getSetting(db, 'deletionRequiresTraining'),
  ]);
  const items = users.map((user) => {
    const roles = userRoles.filter((r) => Number(r.user_id) === user.id).map((r) => r.name);
    const attempt = attempts.find((a) => Number(a.user_id) === user.id);
    const assigned =
      (gate && courseId === SAFE_DELETION_COURSE && roles.length > 0) || assignments.some((a) => Number(a.user_id) === user.id || (a.role !== null && roles.includes(a.role)));
    return {
      userId: String(user.id),
      username: user.username,
      displayName: user.display_name,
      roles,
      assigned,
      passed: attempt?.passed_at != null,
      passedAt: (attempt?.passed_at) ?? null,
      bestScore: attempt ? Number(attempt.best) : null,
      attempts: attempt ? Number(attempt.attempts) : 0,
      lessonsRead: Number(progress.find((p) => Number(p.user_id) === user.id)?.n ?? 0),
    };
  });
  return { courseId, lessons: course.lessons.length, items };
}

export async function trainingReportCsv(ctx: Ctx, actor: Actor, courseId: string): Promise<{ filename: string; body: string }> {
  const report = await trainingReport(ctx, actor, courseId);
  const lines = [TRAINING_REPORT_COLUMNS.join(',')];
  for (const r of report.items) {
    lines.push(
      [r.username, r.displayName, r.roles.join(' '), r.assigned ? 'yes' : 'no', r.passed ? 'yes' : 'no', r.passedAt, r.bestScore, r.attempts, r.lessonsRead].map((v) => csvCell(v)).join(','),
    );
  }
  // A byte-order mark makes Excel read the file as UTF-8 (Chinese names).
  return { filename: `training-${courseId}.csv`, body: `\uFEFF${lines.join('\r\n')}\r\n` };
}
