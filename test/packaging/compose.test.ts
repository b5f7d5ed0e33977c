import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly secrets?: readonly string[];
  readonly volumes?: readonly string[];
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly deploy?: { readonly replicas?: number };
  readonly stop_grace_period?: string;
}

interface Compose {
  readonly services: Record<string, Service>;
  readonly secrets: Record<string, { readonly file: string }>;
  readonly volumes: Record<string, unknown>;
}

const text = readFileSync(`${ROOT}compose.yaml`, 'utf8');
const compose = parse(text, { merge: true }) as Compose;
const svc = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return s;
};
const haproxyCfg = readFileSync(`${ROOT}deploy/haproxy/haproxy.cfg`, 'utf8');

/** The lines of one HAProxy section (`backend api`, `defaults`…), comments dropped. */
function section(cfg: string, header: string): string[] {
  const lines = cfg.split('\n').map((l) => l.replace(/#.*$/, '').trimEnd());
  const start = lines.findIndex((l) => l.trim() === header);
  if (start < 0) throw new Error(`haproxy.cfg has no section "${header}"`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    if (line.trim() !== '') out.push(line.trim());
  }
  return out;
}

describe('compose.yaml', () => {
  it('has every role and its dependencies', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['api', 'haproxy', 'init', 'mariadb', 'redis', 'scheduler', 'worker'].sort(),
    );
    expect(svc('init').command).toEqual(['start', '--no-serve']);
    expect(svc('api').command).toEqual(['serve']);
    expect(svc('worker').command?.[0]).toBe('worker');
    expect(svc('scheduler').command).toEqual(['scheduler']);
    for (const role of ['init', 'api', 'worker', 'scheduler']) {
      expect(svc(role).build, role).toBe('.');
      expect(svc(role).environment?.SPOREPRINT_EXECUTOR, role).toBe('bullmq');
      expect(svc(role).environment?.SPOREPRINT_REDIS_URL, role).toBe('redis://redis:6379');
    }
  });

  it('keeps MariaDB and Redis on volumes, with health checks', () => {
    const volumes = Object.keys(compose.volumes);
    expect(svc('mariadb').volumes?.[0]).toMatch(/^mariadb-data:\/var\/lib\/mysql$/);
    expect(svc('redis').volumes?.[0]).toMatch(/^redis-data:\/data$/);
    expect(volumes).toEqual(expect.arrayContaining(['mariadb-data', 'redis-data']));
    expect(svc('mariadb').healthcheck?.test?.join(' ')).toMatch(
      /healthcheck\.sh --connect --innodb_initialized|mysqladmin ping/,
    );
    expect(svc('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('starts init on a healthy database, every other role after init succeeded', () => {
    expect(svc('init').depends_on?.mariadb?.condition).toBe('service_healthy');
    expect(svc('init').depends_on?.redis?.condition).toBe('service_healthy');
    for (const role of ['api', 'worker', 'scheduler']) {
      expect(svc(role).depends_on?.init?.condition, role).toBe('service_completed_successfully');
    }
  });

  it('runs 2 API replicas and 2 workers, 1 scheduler', () => {
    expect(svc('api').deploy?.replicas).toBe(2);
    expect(svc('worker').deploy?.replicas).toBe(2);
    expect(svc('scheduler').deploy?.replicas).toBe(1);
    expect(svc('api').healthcheck?.test?.join(' ')).toMatch(/\/health\/ready/);
    expect(svc('worker').healthcheck?.test).toEqual(['CMD', 'sporeprint', 'worker', '--health']);
    expect(svc('scheduler').healthcheck?.disable).toBe(true);
  });

  it('puts the API behind the official HAProxy image with the checked-in config', () => {
    expect(svc('haproxy').image).toMatch(/^haproxy:\d/);
    expect(svc('haproxy').volumes).toContain(
      './deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro',
    );
    expect(svc('api')).not.toHaveProperty('ports');
  });

  it('takes secrets from files, with no password inline', () => {
    expect(text).not.toMatch(/MARIADB_PASSWORD:|MYSQL_PASSWORD:|MARIADB_ROOT_PASSWORD:/);
    expect(text).not.toMatch(/mysql:\/\/[^@\s"]*:[^@\s"]*@/);
    expect(svc('mariadb').environment?.MARIADB_PASSWORD_FILE).toBe('/run/secrets/mariadb_password');
    for (const role of ['init', 'api', 'worker', 'scheduler']) {
      expect(svc(role).environment?.DATABASE_URL_FILE, role).toBe('/run/secrets/database_url');
      expect(svc(role).environment?.DATABASE_URL, role).toBe('');
      expect(svc(role).secrets, role).toContain('database_url');
    }
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file, name).toMatch(/^\.\/deploy\/secrets\//);
    }
    const ignore = readFileSync(`${ROOT}.gitignore`, 'utf8');
    expect(ignore).toMatch(/^deploy\/secrets\/\*$/m);
    expect(existsSync(`${ROOT}deploy/secrets/create.sh`)).toBe(true);
  });
});

describe('deploy/haproxy/haproxy.cfg', () => {
  it('health-checks every API replica on /health/ready', () => {
    const backend = section(haproxyCfg, 'backend api');
    expect(backend).toContain('option httpchk');
    expect(backend).toContain('http-check send meth GET uri /health/ready');
    expect(backend).toContain('http-check expect status 200');
    expect(backend.find((l) => l.startsWith('server-template'))).toMatch(/ api:8080 check /);
    expect(section(haproxyCfg, 'frontend sporeprint')).toContain('default_backend api');
  });

  it('redispatches, replays only GET and HEAD, and lets draining replicas finish', () => {
    const defaults = section(haproxyCfg, 'defaults');
    expect(defaults).toContain('option redispatch');
    expect(defaults.find((l) => l.startsWith('retries'))).toMatch(/^retries [1-9]$/);
    // a request that reached a replica (empty-response) is replayed only when safe to repeat
    expect(defaults.find((l) => l.startsWith('retry-on'))).toBe('retry-on conn-failure empty-response');
    expect(section(haproxyCfg, 'backend api')).toContain('http-request disable-l7-retry unless METH_GET');
    const server = defaults.find((l) => l.startsWith('default-server')) ?? '';
    expect(server).toMatch(/\binter 2s fall 2\b/);
    expect(server).toMatch(/\bslowstart \d+s\b/);
    // a replica marked down while it drains still finishes its in-flight requests
    expect(server).not.toMatch(/on-marked-down shutdown-sessions/);
  });

  it('drains an API replica for longer than HAProxy takes to mark it down, within the stop grace period', () => {
    const drain = Number(svc('api').environment?.SPOREPRINT_DRAIN_SECONDS);
    const server = section(haproxyCfg, 'defaults').find((l) => l.startsWith('default-server')) ?? '';
    const inter = Number(/\binter (\d+)s\b/.exec(server)?.[1]);
    const fall = Number(/\bfall (\d+)\b/.exec(server)?.[1]);
    expect(drain).toBeGreaterThan(inter * fall);
    const grace = Number(/^(\d+)s$/.exec(svc('api').stop_grace_period ?? '')?.[1]);
    expect(grace).toBeGreaterThanOrEqual(drain + 20);
  });

  it('has a statistics page', () => {
    expect(section(haproxyCfg, 'listen stats')).toEqual(
      expect.arrayContaining(['stats enable', 'stats uri /stats']),
    );
  });

  it('names a missing section', () => {
    expect(() => section(haproxyCfg, 'backend nope')).toThrow(/no section "backend nope"/);
  });
});
