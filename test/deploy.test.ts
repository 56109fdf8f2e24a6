/**
 * The deployment files users copy: compose.yaml (PostgreSQL, two instances, nginx), the Dockerfile, nginx's
 * configuration (the same file test/cluster.test.ts runs) and the systemd unit. No container engine is needed:
 * the compose file is parsed and its wiring checked against what the server reads (config.ts) and serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/server/config.js';
import { localProxyConfig, NGINX_CONF } from './cluster/cluster.js';

const root = path.resolve(import.meta.dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  stop_grace_period?: string;
}

/** Compose's ${VAR:-default} and ${VAR:?error} with the values an operator would pass. */
const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => env[name] ?? (kind === '-' ? rest : ''));

describe('compose.yaml, Dockerfile, nginx and systemd files', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

  it('runs PostgreSQL, two Orderly instances from the Dockerfile and nginx, each waiting for what it needs', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(['nginx', 'orderly1', 'orderly2', 'postgres']);
    expect(services.postgres.image).toMatch(/^postgres:\d+/);
    expect(services.postgres.healthcheck?.test).toContain('pg_isready');
    for (const name of ['orderly1', 'orderly2']) {
      const s = services[name];
      expect(s.build).toBe('.');
      expect(s.depends_on?.postgres.condition).toBe('service_healthy');
      expect(s.healthcheck?.test.join(' ')).toContain('/readyz');
      // Docker must wait longer than the app's own graceful stop before it kills.
      expect(Number.parseInt(s.stop_grace_period ?? '10')).toBeGreaterThan(Number(s.environment?.ORDERLY_SHUTDOWN_SECONDS));
    }
    expect(services.nginx.depends_on).toEqual({ orderly1: { condition: 'service_healthy' }, orderly2: { condition: 'service_healthy' } });
    expect(services.nginx.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(Object.keys(compose.volumes).sort()).toEqual(['backups', 'pgdata']);
  });

  it("gives the instances an environment the server accepts, pointing at the postgres service's database and user", () => {
    const postgres = compose.services.postgres.environment!;
    const operator = { ORDERLY_ADMIN_PASSWORD: 'a-long-admin-password', POSTGRES_PASSWORD: 's3cret', ORDERLY_METRICS_TOKEN: 'metrics-token-0123456789' };
    for (const name of ['orderly1', 'orderly2']) {
      const env = Object.fromEntries(Object.entries(compose.services[name].environment!).map(([k, v]) => [k, interpolate(String(v), operator)]));
      const config = loadConfig(env);
      expect(config.database).toMatchObject({ dialect: 'postgres', url: 'postgres://orderly:s3cret@postgres:5432/orderly' });
      expect(interpolate(postgres.POSTGRES_PASSWORD, operator)).toBe('s3cret');
      expect(postgres.POSTGRES_USER).toBe('orderly');
      expect(postgres.POSTGRES_DB).toBe('orderly');
      expect(config.trustProxy).toBe(1);
      expect(config.metricsToken).toBe(operator.ORDERLY_METRICS_TOKEN);
    }
    // Without the admin password compose refuses to start rather than print a random one into a log.
    expect(compose.services.orderly1.environment!.ORDERLY_ADMIN_PASSWORD).toMatch(/\$\{ORDERLY_ADMIN_PASSWORD:\?/);
  });

  it('sends nginx traffic to both instances on the port the image listens on', () => {
    const conf = fs.readFileSync(NGINX_CONF, 'utf8');
    expect(conf).toMatch(/server orderly1:3000\b/);
    expect(conf).toMatch(/server orderly2:3000\b/);
    expect(read('Dockerfile')).toMatch(/^ENV[\s\S]*PORT=3000/m);
    // The cluster test swaps only the addresses: the rest of the file is what it runs.
    const local = localProxyConfig(3120, [3121, 3122]);
    expect(local).toContain('server 127.0.0.1:3121 max_fails=1 fail_timeout=5s;');
    expect(local).toContain('listen 127.0.0.1:3120;');
    expect(local).not.toMatch(/orderly[12]:3000/);
    expect(local).toContain('proxy_buffering off;');
  });

  it('builds the image in two stages on Node 20 slim and runs it as an unprivileged user', () => {
    const dockerfile = read('Dockerfile');
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(stages).toEqual(['node:20-slim', 'node:20-slim']);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile.indexOf('USER node')).toBeGreaterThan(dockerfile.lastIndexOf('FROM '));
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/src\/server\/main.js"\]$/m);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
  });

  it('ships a systemd unit that stops gracefully and runs unprivileged', () => {
    const unit = read('deploy/orderly.service');
    expect(unit).toMatch(/^User=orderly$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node dist\/src\/server\/main.js$/m);
    expect(Number(unit.match(/^TimeoutStopSec=(\d+)$/m)?.[1])).toBeGreaterThan(25);
  });
});
