import { loadConfig } from '../../server/config.js';
import { adminBanner, openDatabase, serve } from '../../server/main.js';
import type { Command } from '../command.js';

export const startCommand: Command = {
  name: 'start',
  usage: '',
  summary: 'Serve the app and the API (migrates the database and creates `admin` on first start)',
  async run() {
    const config = loadConfig();
    const { ctx, generatedPassword } = await openDatabase(config);
    await serve(config, ctx, adminBanner(generatedPassword));
    return 0;
  },
};
