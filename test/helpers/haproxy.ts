/**
 * HAProxy for the scale-out tests: Debian's `haproxy` package (installed by .ci/run), run as a process
 * of the test with the checked-in deploy/haproxy/haproxy.cfg rendered for local ports — the same
 * global, defaults, health checks and backend options; only the listening addresses and the servers
 * (static `server` lines in place of Docker's DNS) differ.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The shipped configuration. */
export const SHIPPED_HAPROXY_CFG = join(ROOT, 'deploy/haproxy/haproxy.cfg');

/** Where Debian installs haproxy, else the first one on the PATH; null when there is none. */
export function haproxyBinary(): string | null {
  if (existsSync('/usr/sbin/haproxy')) return '/usr/sbin/haproxy';
  return spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0 ? 'haproxy' : null;
}

/**
 * The haproxy binary; when there is none, registers a visible skipped `suite` and returns null — or
 * throws when SPOREPRINT_REQUIRE_SERVICES is set (CI, where .ci/run installs it).
 */
export function haproxyFor(suite: string): string | null {
  const bin = haproxyBinary();
  if (bin !== null) return bin;
  if (process.env.SPOREPRINT_REQUIRE_SERVICES) {
    throw new Error(
      'SPOREPRINT_REQUIRE_SERVICES is set but haproxy is not installed (apt-get install haproxy)',
    );
  }
  console.warn(`haproxy is not installed: ${suite} skipped (apt-get install haproxy)`);
  describe.skip(`${suite} (haproxy not installed)`, () => {
    it('needs haproxy (apt-get install haproxy; .ci/run installs it)', () => {});
  });
  return null;
}

/** Where the rendered configuration listens and which servers it balances. */
export interface HaproxyLayout {
  readonly port: number;
  readonly statsPort: number;
  /** One `server <name> 127.0.0.1:<port>` per replica, with the shipped server-template's options. */
  readonly servers: readonly { readonly name: string; readonly port: number }[];
}

/** Replaces the one line of `section` that starts with `start` (throws when there is not exactly one). */
function replaceIn(lines: string[], section: string, start: string, by: (line: string) => string[]): void {
  const from = lines.findIndex((l) => l.trim() === section);
  if (from < 0) throw new Error(`haproxy.cfg has no section "${section}"`);
  let to = lines.findIndex((l, i) => i > from && /^\S/.test(l));
  if (to < 0) to = lines.length;
  const hits = lines
    .map((l, i) => ({ l, i }))
    .filter(({ l, i }) => i > from && i < to && l.trim().startsWith(start));
  if (hits.length !== 1) throw new Error(`haproxy.cfg: expected one "${start}" line in "${section}"`);
  lines.splice(hits[0].i, 1, ...by(hits[0].l));
}

/**
 * The shipped configuration for local replicas: `bind` lines on 127.0.0.1 ports, the `server-template`
 * (Docker's DNS) replaced by one static `server` line per replica with the template's options minus
 * DNS resolution, and the `resolvers docker` section dropped. Every other line is kept as shipped.
 */
export function renderHaproxyConfig(shipped: string, layout: HaproxyLayout): string {
  const lines = shipped.split('\n');
  replaceIn(lines, 'frontend sporeprint', 'bind ', (l) => [
    l.replace(/bind \S+/, `bind 127.0.0.1:${layout.port}`),
  ]);
  replaceIn(lines, 'listen stats', 'bind ', (l) => [
    l.replace(/bind \S+/, `bind 127.0.0.1:${layout.statsPort}`),
  ]);
  replaceIn(lines, 'backend api', 'server-template ', (l) => {
    const m = /^(\s*)server-template \S+ \d+ \S+ (.*)$/.exec(l);
    if (m === null) throw new Error(`haproxy.cfg: unexpected server-template line: ${l}`);
    const options = m[2].replace(/\s*resolvers \S+/, '').replace(/\s*init-addr \S+/, '');
    return layout.servers.map((s) => `${m[1]}server ${s.name} 127.0.0.1:${s.port} ${options}`);
  });
  const resolvers = lines.findIndex((l) => /^resolvers\s/.test(l));
  if (resolvers >= 0) {
    let end = lines.findIndex((l, i) => i > resolvers && /^\S/.test(l));
    if (end < 0) end = lines.length;
    // the comment line right above the section goes with it
    const start = resolvers > 0 && lines[resolvers - 1].startsWith('#') ? resolvers - 1 : resolvers;
    lines.splice(start, end - start);
  }
  return lines.join('\n');
}

/** A free TCP port on 127.0.0.1: within SPOREPRINT_TEST_PORTS (`first-last`) when set, else the OS's pick. */
export async function freePorts(n: number, taken: ReadonlySet<number> = new Set()): Promise<number[]> {
  const bindable = (port: number) =>
    new Promise<number | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => {
        const got = (s.address() as { port: number }).port;
        s.close(() => resolve(got));
      });
    });
  const out: number[] = [];
  const range = /^(\d+)-(\d+)$/.exec(process.env.SPOREPRINT_TEST_PORTS ?? '');
  if (range === null) {
    while (out.length < n) {
      const p = await bindable(0);
      if (p !== null && !taken.has(p) && !out.includes(p)) out.push(p);
    }
    return out;
  }
  for (let p = Number(range[1]); p <= Number(range[2]) && out.length < n; p++) {
    if (!taken.has(p) && (await bindable(p)) !== null) out.push(p);
  }
  if (out.length < n) throw new Error(`fewer than ${n} free ports in SPOREPRINT_TEST_PORTS ${range[0]}`);
  return out;
}

/** One server's state on the statistics page (`UP`, `DOWN`, `UP 1/2`, `MAINT`…). */
export type ServerStates = Readonly<Record<string, string>>;

/** A running haproxy process. */
export interface HaproxyProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** What haproxy printed (its log lines: one per request, `option httplog`), the last 2 MB. */
  output(): string;
  /** The backend's servers and their states, from the statistics page's CSV. */
  states(): Promise<ServerStates>;
  /** Stops haproxy (SIGKILL if SIGTERM did not end it within 5 s) and waits for it. */
  stop(): Promise<void>;
}

/** Resolves once every named server is in state `state` (`UP`, `DOWN`) on HAProxy's page. */
export async function untilStates(
  haproxy: Pick<HaproxyProcess, 'states'>,
  servers: readonly string[],
  state: string,
  ms = 60_000,
): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const states = await haproxy.states().catch(() => ({}) as Record<string, string>);
    if (servers.every((s) => states[s] === state)) return;
    if (Date.now() > end) throw new Error(`not all ${state} within ${ms} ms: ${JSON.stringify(states)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts haproxy in the foreground on the rendered config and resolves once its frontend accepts. */
export async function startHaproxy(bin: string, dir: string, layout: HaproxyLayout): Promise<HaproxyProcess> {
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, renderHaproxyConfig(readFileSync(SHIPPED_HAPROXY_CFG, 'utf8'), layout));
  const check = spawnSync(bin, ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
  if (check.status !== 0)
    throw new Error(`haproxy -c refused the rendered config: ${check.stderr}${check.stdout}`);
  const child = spawn(bin, ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const statsUrl = `http://127.0.0.1:${layout.statsPort}/stats;csv`;
  const states = async (): Promise<ServerStates> => {
    const csv = await (await fetch(statsUrl)).text();
    const rows = csv.split('\n').filter((l) => l.startsWith('api,'));
    const header = csv.split('\n')[0].replace(/^# /, '').split(',');
    const status = header.indexOf('status');
    return Object.fromEntries(
      rows
        .map((r) => r.split(','))
        .filter((c) => c[1] !== 'BACKEND' && c[1] !== 'FRONTEND')
        .map((c) => [c[1], c[status]]),
    );
  };
  for (const end = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${out}`);
    try {
      await states();
      break;
    } catch {
      if (Date.now() > end) throw new Error(`haproxy did not answer within 30 s: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `http://127.0.0.1:${layout.port}`,
    child,
    output: () => out,
    states,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
