/**
 * The HAProxy configuration the scale-out test runs is the shipped deploy/haproxy/haproxy.cfg with only
 * its listening addresses and servers changed; both pass `haproxy -c` (Debian's haproxy, as .ci/run
 * installs it). Its retry rule, with two stand-in servers: a request a replica took in and then died
 * without answering is replayed on another replica for a GET, never for a POST.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  freePorts,
  type HaproxyProcess,
  haproxyFor,
  renderHaproxyConfig,
  SHIPPED_HAPROXY_CFG,
  startHaproxy,
  untilStates,
} from '../helpers/haproxy.js';

const shipped = readFileSync(SHIPPED_HAPROXY_CFG, 'utf8');
const layout = {
  port: 18080,
  statsPort: 18404,
  servers: [
    { name: 'api1', port: 18081 },
    { name: 'api2', port: 18082 },
  ],
};
const rendered = renderHaproxyConfig(shipped, layout);

/** The lines of `a` that `b` lacks (as multisets). */
function minus(a: string, b: string): string[] {
  const rest = b.split('\n');
  return a.split('\n').filter((l) => {
    const i = rest.indexOf(l);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

describe('the haproxy config of the scale-out test', () => {
  it('is the shipped file with local binds and static servers in place of Docker DNS', () => {
    expect(minus(rendered, shipped)).toEqual([
      '    bind 127.0.0.1:18080',
      '    server api1 127.0.0.1:18081 check',
      '    server api2 127.0.0.1:18082 check',
      '    bind 127.0.0.1:18404',
    ]);
    const dropped = minus(shipped, rendered);
    expect(dropped.filter((l) => !/^(resolvers docker|\s|#)/.test(l) && l !== '')).toEqual([]);
    expect(dropped.map((l) => l.trim())).toEqual(
      expect.arrayContaining([
        'bind :8080',
        'bind :8404',
        'resolvers docker',
        'nameserver dns 127.0.0.11:53',
      ]),
    );
    expect(dropped.find((l) => l.includes('server-template'))).toMatch(/resolvers docker init-addr none$/);
  });

  it('names what it cannot find', () => {
    expect(() => renderHaproxyConfig(shipped.replace(/^backend api$/m, 'backend web'), layout)).toThrow(
      /no section "backend api"/,
    );
    expect(() => renderHaproxyConfig(shipped.replace(/\n\s*server-template.*\n/, '\n'), layout)).toThrow(
      /expected one "server-template " line in "backend api"/,
    );
  });
});

const haproxy = haproxyFor('haproxy -c on the shipped and the rendered haproxy.cfg');
if (haproxy !== null) {
  describe('haproxy -c', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-haproxy-cfg-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('accepts the shipped file and the rendered one', () => {
      const cfg = join(dir, 'rendered.cfg');
      writeFileSync(cfg, rendered);
      for (const file of [SHIPPED_HAPROXY_CFG, cfg]) {
        const r = spawnSync(haproxy, ['-c', '-f', file], { encoding: 'utf8' });
        expect(r.status, `${file}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(`${r.stdout}${r.stderr}`).not.toMatch(/\[WARNING\]|\[ALERT\]/);
      }
    });
  });
}

/** A stand-in replica: ready at once, answers every other request after `ms` with its port. */
function standIn(port: number, ms: number): ChildProcess {
  const code = `require('node:http').createServer((q, s) => {
    if (q.url === '/health/ready') return s.end('ok');
    q.resume();
    q.on('end', () => setTimeout(() => s.end(JSON.stringify({ port: ${port} })), ${ms}));
  }).listen(${port}, '127.0.0.1');`;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

if (haproxy !== null) {
  describe('the shipped retry rule, through haproxy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-haproxy-retry-'));
    let proxy: HaproxyProcess | undefined;
    let servers: ChildProcess[] = [];
    afterAll(async () => {
      await proxy?.stop();
      for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    /** Two requests at once (round robin: one per server); kills the first server while both run. */
    async function killMidRequest(method: 'GET' | 'POST'): Promise<{ status: number; body: string }[]> {
      const [front, stats, a, b] = await freePorts(4);
      servers = [standIn(a, 1500), standIn(b, 1500)];
      // both answer before haproxy starts: UP from its start, so no slow start skews the round robin
      for (const port of [a, b]) {
        for (let ok = false; !ok; ) {
          ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => r.ok,
            () => false,
          );
          if (!ok) await new Promise((r) => setTimeout(r, 50));
        }
      }
      proxy = await startHaproxy(haproxy as string, dir, {
        port: front,
        statsPort: stats,
        servers: [
          { name: 'api1', port: a },
          { name: 'api2', port: b },
        ],
      });
      await untilStates(proxy, ['api1', 'api2'], 'UP');
      const send = async () => {
        try {
          const res = await fetch(`${proxy?.url}/v1/thing`, {
            method,
            headers: { 'content-type': 'application/json' },
            body: method === 'POST' ? '{}' : undefined,
          });
          return { status: res.status, body: await res.text() };
        } catch (e) {
          return { status: 0, body: String((e as { cause?: unknown }).cause ?? e) };
        }
      };
      const answers = Promise.all([send(), send()]);
      await new Promise((r) => setTimeout(r, 500));
      servers[0].kill('SIGKILL');
      const out = await answers;
      await proxy.stop();
      for (const s of servers) s.kill('SIGKILL');
      return out;
    }

    it('replays a GET on the other replica, never a POST', async () => {
      const get = await killMidRequest('GET');
      expect(get.map((a) => a.status)).toEqual([200, 200]);
      const post = await killMidRequest('POST');
      expect(post.map((a) => a.status).sort()).toEqual([200, 502]);
    }, 60_000);
  });
}
