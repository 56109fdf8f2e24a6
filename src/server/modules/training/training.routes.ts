import { NoContent } from '../../../contracts/common.js';
import {
  Assignment,
  AssignmentInput,
  AssignmentList,
  AttemptInput,
  AttemptResult,
  CourseList,
  CourseParams,
  LessonParams,
  LessonProgress,
  TrainingReport,
  TrainingReportCsv,
  TrainingReportQuery,
} from '../../../contracts/training.js';
import type { Ctx } from '../../db/context.js';
import { IdParams, type App } from '../../platform/http.js';
import { createAssignment, deleteAssignment, listAssignments, listCourses, markLessonRead, submitAttempt, trainingReport, trainingReportCsv } from './training.service.js';

export function trainingRoutes(app: App, ctx: Ctx): void {
  app.get('/api/training/courses', { config: { access: 'authenticated' }, schema: { tags: ['training'], response: { 200: CourseList } } }, async (request) => listCourses(ctx, request.actor));
  app.post(
    '/api/training/courses/:id/lessons/:lessonId/read',
    { config: { access: 'authenticated' }, schema: { tags: ['training'], summary: 'Mark a lesson read', params: LessonParams, response: { 200: LessonProgress } } },
    async (request) => markLessonRead(ctx, request.actor, request.params.id, request.params.lessonId),
  );
  app.post(
    '/api/training/courses/:id/attempts',
    { config: { access: 'authenticated' }, schema: { tags: ['training'], summary: 'Answer the quiz', params: CourseParams, body: AttemptInput, response: { 200: AttemptResult } } },
    async (request) => submitAttempt(ctx, request.actor, request.params.id, request.body),
  );
  app.get('/api/training/assignments', { config: { access: 'training.manage' }, schema: { tags: ['training'], response: { 200: AssignmentList } } }, async (request) => listAssignments(ctx, request.actor));
  app.post(
    '/api/training/assignments',
    { config: { access: 'training.manage' }, schema: { tags: ['training'], summary: 'Assign a course to a role or a user', body: AssignmentInput, response: { 201: Assignment } } },
    async (request, reply) => reply.code(201).send(await createAssignment(ctx, request.actor, request.body)),
  );
  app.delete(
    '/api/training/assignments/:id',
    { config: { access: 'training.manage' }, schema: { tags: ['training'], params: IdParams, response: { 204: NoContent } } },
    async (request, reply) => {
      await deleteAssignment(ctx, request.actor, Number(request.params.id));
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/training/report',
    { config: { access: 'training.manage' }, schema: { tags: ['training'], summary: 'Who has passed a course', querystring: TrainingReportQuery, response: { 200: TrainingReport } } },
    async (request) => trainingReport(ctx, request.actor, request.query.courseId),
  );
  app.get(
    '/api/training/report/export',
    { config: { access: 'training.manage' }, schema: { tags: ['training'], querystring: TrainingReportQuery, produces: ['text/csv'], response: { 200: TrainingReportCsv } } },
    async (request, reply) => {
      const { filename, body } = await trainingReportCsv(ctx, request.actor, request.query.courseId);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
    },
  );
}
