import type { Kysely } from 'kysely';
import type { MigrationContext } from '../migrate.js';

/**
 * Training (SPEC §5): course assignments, lessons read and quiz attempts. Courses themselves ship with the app
 * (modules/training/courses.ts), so a new version of a course needs no migration.
 */
export async function up(db: Kysely<unknown>, { id, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('training_assignments')
    .addColumn('id', bigint, id)
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text')
    .addColumn('user_id', bigint, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('created_by', bigint)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('training_assignments_course').on('training_assignments').columns(['course_id', 'id']).execute();

  await db.schema
    .createTable('training_progress')
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('lesson_id', 'text', (c) => c.notNull())
    .addColumn('read_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('training_progress_pk', ['user_id', 'course_id', 'lesson_id'])
    .execute();

  await db.schema
    .createTable('training_attempts')
    .addColumn('id', bigint, id)
    .addColumn('user_id', bigint, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('course_id', 'text', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('passed', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The deletion gate asks "has this user passed?" on every delete-preview: one index probe.
  await db.schema.createIndex('training_attempts_user').on('training_attempts').columns(['user_id', 'course_id', 'passed']).execute();
}
