export type { Db as Ctx } from './connect.js';
