import { Settings, SettingsPatch } from '../../../contracts/settings.js';
import type { Ctx } from '../../db/context.js';
import type { App } from '../../platform/http.js';
import { getSettings, updateSettings } from './settings.service.js';

export function settingsRoutes(app: App, ctx: Ctx): void {
  app.get('/api/settings', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], response: { 200: Settings } } }, async () => getSettings(ctx.kysely));
  app.patch('/api/settings', { config: { access: 'settings.manage' }, schema: { tags: ['settings'], body: SettingsPatch, response: { 200: Settings } } }, async (request) =>
    updateSettings(ctx, request.actor, request.body),
  );
}
