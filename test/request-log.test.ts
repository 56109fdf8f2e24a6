/**
 * Request logging: nothing per request at the default level (info), every request in and out at debug, and
 * failures and slow requests at warn with the request id whatever the level.
 */
import { Writable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
import { loadConfig } from '../src/server/config.js';
import { RequestLog } from '../src/server/platform/request-log.js';
import type { App } from '../src/server/platform/http.js';
import { createTestDatabase, type TestDatabase } from './helpers.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  responseTime?: number;
}
const WARN = 40;
const DEBUG = 20;

function capture() {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, stream };
}

describe('request log in the app', () => {
  let db: TestDatabase;
  const apps: App[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  async function appLogging(level: string) {
    const { lines, stream } = capture();
    const app = await buildApp({ ...db.config, logLevel: level }, db.ctx, { logger: { level, stream } });
    app.get('/api/test-failure', { config: { access: 'public' } }, async () => {
      throw new Error('boom');
    });
    apps.push(app);
    return { app, lines };
  }

  it('writes no line per request at the default level, and a failure at warn with its request id', async () => {
    expect(loadConfig({}).logLevel).toBe('info');
    const { app, lines } = await appLogging('info');
    for (let i = 0; i < 5; i++) expect((await app.inject('/api/health')).statusCode).toBe(200);
    expect(lines.filter((l) => l.reqId !== undefined)).toEqual([]);
    const failed = await app.inject('/api/test-failure');
    expect(failed.statusCode).toBe(500);
    const requestId = failed.json<{ requestId: string }>().requestId;
    const warned = lines.filter((l) => l.level === WARN);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ msg: 'request failed', reqId: requestId });
  });

  it('writes every request in and out at debug', async () => {
    const { app, lines } = await appLogging('debug');
    const res = await app.inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(lines.filter((l) => l.level === DEBUG).map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    expect(new Set(lines.map((l) => l.reqId)).size).toBe(1);
  });
});

describe('request log levels', () => {
  const calls: Array<{ level: string; msg: string }> = [];
  const log = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (_obj: unknown, msg: string) => calls.push({ level, msg })]));
  const request = { log } as unknown as FastifyRequest;
  const reply = (statusCode: number, elapsedTime: number) => ({ log, statusCode, elapsedTime }) as unknown as FastifyReply;

  it('sends a slow request to warn and a quick one to debug', () => {
    const controller = new RequestLog(1000);
    calls.length = 0;
    controller.incomingRequest(request);
    controller.requestCompleted(null, request, reply(200, 999));
    controller.requestCompleted(null, request, reply(200, 1000));
    controller.requestCompleted(null, request, reply(503, 2));
    controller.requestCompleted(new Error('socket'), request, reply(200, 2));
    expect(calls).toEqual([
      { level: 'debug', msg: 'incoming request' },
      { level: 'debug', msg: 'request completed' },
      { level: 'warn', msg: 'slow request' },
      { level: 'warn', msg: 'request failed' },
      { level: 'error', msg: 'request errored' },
    ]);
  });

  it('reads its threshold from ORDERLY_SLOW_REQUEST_MS', () => {
    expect(loadConfig({}).slowRequestMs).toBe(1000);
    expect(loadConfig({ ORDERLY_SLOW_REQUEST_MS: '250' }).slowRequestMs).toBe(250);
    expect(() => loadConfig({ ORDERLY_SLOW_REQUEST_MS: '0' })).toThrow(/ORDERLY_SLOW_REQUEST_MS/);
  });
});
