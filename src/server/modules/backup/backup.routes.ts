import { BackupList, BackupParams, BackupSummary, BackupVerification } from '../../../contracts/backup.js';
import type { Config } from '../../config.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { createBackup, listBackups, locateBackup, verifyBackup } from './backup.service.js';

/** Create, list and verify. Restore is CLI-only (`orderly backup restore`): a running server must not restore over itself. */
export function backupRoutes(app: App, ctx: Ctx, config: Config): void {
  app.post('/api/backups', { config: { access: 'backups.manage' }, schema: { tags: ['backups'], summary: 'Take a full backup now', response: { 201: BackupSummary } } }, async (request, reply) => {
    const summary = await createBackup(ctx, config, request.actor);
    reply.code(201);
    return summary;
  });

  app.get('/api/backups', { config: { access: 'backups.manage' }, schema: { tags: ['backups'], summary: 'Backups in the backup directory, newest first', response: { 200: BackupList } } }, async () => listBackups(config));

  app.post(
    '/api/backups/:name/verify',
    { config: { access: 'backups.manage' }, schema: { tags: ['backups'], summary: 'Check checksums and restore into a throw-away database', params: BackupParams, response: { 200: BackupVerification } } },
    async (request) => verifyBackup(ctx, locateBackup(config, request.params.name), request.actor, config.backupKey),
  );
}
