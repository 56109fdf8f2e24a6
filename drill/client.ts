/** A small HTTP client over app.inject (in-process) or fetch (a server in another process), signed in like the web app. */
import type { App } from '../src/server/platform/http.js';

export interface DrillResponse {
  status: number;
  body: any;
  text: string;
}

export interface RawRequest {
  method: string;
  url: string;
  /** Sent as is: the fuzzer needs bodies that are not valid JSON, or not even UTF-8. */
  payload?: string | Buffer;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

function parse(text: string, contentType: string | undefined): unknown {
  if (!text || !(contentType ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class DrillClient {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(private readonly transport: { app: App } | { baseUrl: string }) {}

  async raw(req: RawRequest): Promise<DrillResponse> {
    const headers: Record<string, string> = {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
      ...(req.payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...req.headers,
    };
    if ('app' in this.transport) {
      const res = await this.transport.app.inject({ method: req.method as 'GET', url: req.url, headers, payload: req.payload, remoteAddress: req.remoteAddress });
      const setCookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('orderly_session='));
      if (setCookie) this.cookie = setCookie.split(';')[0];
      return { status: res.statusCode, text: res.body, body: parse(res.body, res.headers['content-type']?.toString()) };
    }
    const body = typeof req.payload === 'string' || req.payload === undefined ? req.payload : new Uint8Array(req.payload);
    const res = await fetch(`${this.transport.baseUrl}${req.url}`, { method: req.method, headers, body });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('orderly_session='));
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await res.text();
    return { status: res.status, text, body: parse(text, res.headers.get('content-type') ?? undefined) };
  }

  request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<DrillResponse> {
    return this.raw({ method, url, payload: body === undefined ? undefined : JSON.stringify(body), headers });
  }

  async login(username: string, password: string): Promise<this> {
    const saved = { cookie: this.cookie, csrf: this.csrf };
    this.cookie = this.csrf = undefined;
    const res = await this.request('POST', '/api/auth/login', { username, password });
    if (res.status !== 200) {
      Object.assign(this, saved);
      throw new Error(`login ${username}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    this.csrf = res.body.csrfToken;
    return this;
  }

  /** Confirms the password for the step-up rule (SPEC §5) where the server has it; a 404 means it has not. */
  async stepUp(password: string): Promise<void> {
    const res = await this.request('POST', '/api/auth/step-up', { password });
    if (res.status >= 300 && res.status !== 404) throw new Error(`step-up: ${res.status} ${res.text.slice(0, 200)}`);
  }
}

/** The body of a 2xx answer, or an error naming what went wrong. */
export function expectOk(what: string, res: DrillResponse): any {
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
}
