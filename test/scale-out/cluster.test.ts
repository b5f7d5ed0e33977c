/**
 * Issue 20's proof, as real processes: three API replicas (`sporeprint serve` on three ports) behind a
 * real `haproxy` running the shipped deploy/haproxy/haproxy.cfg (only its `bind` and `server` lines
 * changed; checks every 2 s, down after 2 failures, as shipped), two BullMQ workers and one scheduler,
 * on one MariaDB database and one Redis (a private redis-server: the registry channel and the task
 * queue are shared by name). Each replica drains for 5 s on SIGTERM (the default).
 *
 * 1. A promotion made through any replica is served by every replica within 2 s.
 * 2. An experiment's assignment of a client id is the same on every replica.
 * 3. A replica killed with SIGKILL under load: every acknowledged prediction is in the log, none twice,
 *    and requests go to the other replicas within the health-check interval.
 * 4. A retrain runs across both workers while the API answers; the scheduled monitoring check runs on
 *    one process per tick across the three replicas.
 * 5. A rolling restart (SIGTERM, restart, next) under load through HAProxy: every request answered 200.
 *
 * Skipped (saying so) without haproxy, MariaDB or redis-server, unless SPOREPRINT_REQUIRE_SERVICES is
 * set: then a missing one fails. Ports: SPOREPRINT_TEST_PORTS (`first-last`) or the OS's free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import {
  killWorker,
  spawnCliWorker,
  spawnUntil,
  stopWorker,
  type WorkerProcess,
} from '../helpers/bullmq-workers.js';
import {
  type Load,
  loggedPredictions,
  loggedRequests,
  Replica,
  type Sent,
  sampleMonitorChecks,
  startLoad,
  until,
  watchStates,
} from '../helpers/cluster.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import { freePorts, type HaproxyProcess, haproxyFor, startHaproxy, untilStates } from '../helpers/haproxy.js';
import { type PrivateRedis, redisServerFor, startPrivateRedis } from '../helpers/private-redis.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { mariadbBackend } from '../helpers/test-databases.js';

const MODEL = 'sporeprint-classic';
/** HAProxy's check interval as shipped (`default-server inter 2s fall 2`). */
const CHECK_INTERVAL_MS = 2000;
const DRAIN_SECONDS = 5;
const MONITOR_SECONDS = 2;
const SUITE = 'scale-out: 3 API replicas behind haproxy, 2 workers, 1 scheduler (MariaDB, Redis)';

const haproxyBin = haproxyFor(SUITE);
const mariadb = haproxyBin === null ? null : mariadbBackend(SUITE);
const redisOk = mariadb !== null && redisServerFor(SUITE);

/** Every answered (200) request's prediction id, and the requests that were not answered 200. */
function acknowledged(sent: readonly Sent[]): { ids: string[]; failed: Sent[] } {
  return {
    ids: sent.filter((s) => s.status === 200).map((s) => s.predictionId as string),
    failed: sent.filter((s) => s.status !== 200),
  };
}

if (haproxyBin !== null && mariadb !== null && redisOk) {
  describe(SUITE, () => {
    const began = Date.now();
    let dbUrl: string;
    let redis: PrivateRedis;
    let haproxy: HaproxyProcess;
    let cleanup = () => {};
    let adminKey: string;
    let versions: number[];
    const replicas: Replica[] = [];
    const workers: WorkerProcess[] = [];
    let scheduler: WorkerProcess | undefined;
    const loads: Load[] = [];
    const dirs: string[] = [];

    /** Every acknowledged prediction of the load `tag` is in the log, under its own client id, once. */
    const expectNoneLostOrTwice = async (tag: string, sent: readonly Sent[]) => {
      const { ids } = acknowledged(sent);
      const log = await loggedPredictions(dbUrl, tag);
      const lost = ids.filter((id) => !log.ids.has(id));
      expect(lost, `acknowledged predictions missing from the log (${lost.length} of ${ids.length})`).toEqual(
        [],
      );
      const twice = [...log.perClient].filter(([, n]) => n > 1);
      expect(twice, 'requests logged more than once').toEqual([]);
      for (const s of sent.filter((x) => x.status === 200)) expect(log.perClient.get(s.client)).toBe(1);
      return { acked: ids.length, logged: log.ids.size };
    };

    /** Every replica running and UP in HAProxy (a failed test leaves none stopped for the next). */
    const allUp = async () => {
      await Promise.all(replicas.filter((r) => !r.running).map((r) => r.start()));
      await untilStates(
        haproxy,
        replicas.map((r) => r.name),
        'UP',
      );
    };

    const admin = (url: string, path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify(body),
      });
    const predictOn = async (url: string, clientId?: string) => {
      const res = await fetch(`${url}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(clientId ? { 'x-client-id': clientId } : {}) },
        body: JSON.stringify(CLASSIC_MUSHROOM),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as {
        model: { version: number };
        arm: string | null;
        experiment: string | null;
      };
    };

    beforeAll(async () => {
      redis = await startPrivateRedis();
      dbUrl = mariadb.freshUrl();
      const env: Record<string, string> = {
        DATABASE_URL: dbUrl,
        SPOREPRINT_REDIS_URL: redis.url,
        // as compose.yaml and the Kubernetes base: no folder shared between processes
        SPOREPRINT_ARTIFACT_STORE: 'database',
        SPOREPRINT_EXECUTOR: 'bullmq',
        SPOREPRINT_MODEL_NAME: MODEL,
        SPOREPRINT_LOG_LEVEL: 'warn',
        SPOREPRINT_ACCESS_LOG: 'false',
        SPOREPRINT_DRAIN_SECONDS: String(DRAIN_SECONDS),
        SPOREPRINT_MONITOR_CHECK_SECONDS: String(MONITOR_SECONDS),
        SPOREPRINT_MONITOR_WINDOW_MINUTES: '10',
        // the experiment's stop rules stay the test's: it starts and stops it
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
        SPOREPRINT_WORKER_LOCK_MS: '15000',
      };
      const prepared = await prepareServingDatabase(dbUrl, env);
      const preparedAt = Date.now();
      cleanup = prepared.cleanup;
      versions = prepared.versions;
      const storage = await openStorage(dbUrl);
      adminKey = (await storage.apiKeys.create({ name: 'ops', role: 'admin' })).secret;
      await storage.close();

      const [front, stats, ...ports] = await freePorts(5, new Set([redis.port]));
      const dir = mkdtempSync(join(tmpdir(), 'sp-scale-out-'));
      dirs.push(dir);
      replicas.push(...ports.map((port, i) => new Replica(`api${i + 1}`, port, env, dir)));
      const workerDir = () => mkdtempSync(join(dir, 'process-'));
      // each process is recorded as soon as it runs, so that afterAll stops it whatever failed
      const worker = () =>
        spawnCliWorker({ ...env, SPOREPRINT_VAR_DIR: workerDir() }, [
          '--concurrency',
          '1',
          '--grace',
          '5',
        ]).then((w) => workers.push(w));
      await Promise.all([
        worker(),
        worker(),
        spawnUntil(
          ['src/main/cli.ts', 'scheduler'],
          { ...env, SPOREPRINT_VAR_DIR: workerDir() },
          'scheduler started',
        ).then((s) => {
          scheduler = s;
        }),
        ...replicas.map((r) => r.start()),
      ]);
      haproxy = await startHaproxy(haproxyBin, workerDir(), {
        port: front,
        statsPort: stats,
        servers: replicas.map((r) => ({ name: r.name, port: r.port })),
      });
      const startedAt = Date.now();
      await untilStates(
        haproxy,
        replicas.map((r) => r.name),
        'UP',
      );
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `cluster up after ${s(Date.now() - began)}: database prepared in ${s(preparedAt - began)}, ` +
          `6 processes started in ${s(startedAt - preparedAt)}, all UP in HAProxy ${s(Date.now() - startedAt)} later`,
      );
    }, 300_000);

    afterAll(async () => {
      await Promise.all(loads.map((l) => l.stop()));
      await haproxy?.stop();
      await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
      await Promise.all(workers.map((w) => stopWorker(w).then(() => killWorker(w))));
      if (scheduler !== undefined) await stopWorker(scheduler).then(() => killWorker(scheduler));
      await redis?.dispose();
      cleanup();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      console.log(`scale-out test: ${((Date.now() - began) / 1000).toFixed(1)} s in all`);
    }, 60_000);

    it('promotion: one made through any replica is served by every replica within 2 s', async () => {
      let current = versions[0];
      const figures: string[] = [];
      for (const through of replicas) {
        const target = current === versions[0] ? versions[1] : versions[0];
        const res = await admin(through.url, `/v1/models/${MODEL}/versions/${target}/promote`, {
          reason: 'scale-out test',
          force: true,
        });
        expect(res.status, await res.clone().text()).toBe(200);
        const promotedAt = Date.now();
        const seen = await Promise.all(
          replicas.map(async (r) => {
            await until(`${r.name} serving v${target}`, async () =>
              (await predictOn(r.url)).model.version === target ? true : undefined,
            );
            return Date.now() - promotedAt;
          }),
        );
        figures.push(`via ${through.name} v${current}→v${target}: ${seen.join('/')} ms`);
        expect(Math.max(...seen), figures.at(-1)).toBeLessThan(2000);
        current = target;
      }
      console.log(`promotion served by every replica after ${figures.join('; ')}`);
    }, 60_000);

    it('experiments: an experiment assigns each client id the same arm on every replica', async () => {
      await allUp();
      // the arms: versions[1] in Production, versions[0] in Staging (a promotion archives the version
      // it replaces, and an Archived version is no arm)
      for (const [v, stage] of [
        [versions[1], 'Production'],
        [versions[0], 'Staging'],
      ] as const) {
        const res = await admin(haproxy.url, `/v1/models/${MODEL}/versions/${v}/promote`, {
          stage,
          force: true,
          reason: 'an arm of the scale-out experiment',
        });
        expect([200, 409], await res.clone().text()).toContain(res.status);
      }
      const created = await admin(haproxy.url, '/v1/experiments', {
        id: 'exp-scale-out',
        model: MODEL,
        assignment: 'client',
        arms: [
          { name: 'control', version: versions[1], role: 'control', weight: 50 },
          { name: 'challenger', version: versions[0], role: 'challenger', weight: 50 },
        ],
      });
      expect(created.status, await created.clone().text()).toBe(200);
      expect((await admin(replicas[1].url, '/v1/experiments/exp-scale-out/start', {})).status).toBe(200);
      for (const r of replicas) {
        await until(`${r.name} routing by the experiment`, async () =>
          (await predictOn(r.url, 'probe')).experiment === 'exp-scale-out' ? true : undefined,
        );
      }
      const clients = Array.from({ length: 150 }, (_, i) => `exp-client-${i}`);
      const answers = await Promise.all(
        replicas.map(async (r) => {
          const out: string[] = [];
          for (const c of clients) {
            const a = await predictOn(r.url, c);
            out.push(`${a.arm}:v${a.model.version}`);
          }
          return out;
        }),
      );
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      const control = answers[0].filter((a) => a.startsWith('control:')).length;
      console.log(
        `experiment: ${clients.length} client ids, each the same arm on 3 replicas (${control} control)`,
      );
      expect(control).toBeGreaterThan(30);
      expect(control).toBeLessThan(120);
      expect((await admin(replicas[2].url, '/v1/experiments/exp-scale-out/stop', {})).status).toBe(200);
      for (const r of replicas) {
        await until(`${r.name} back to Production`, async () =>
          (await predictOn(r.url)).experiment === null ? true : undefined,
        );
      }
    }, 120_000);

    it('workers and schedule: a retrain runs across both workers while the API serves; the monitoring check runs on one process per tick', async () => {
      await allUp();
      const load = startLoad(haproxy.url, CLASSIC_MUSHROOM, 'retrain', 2);
      loads.push(load);
      // the replicas' monitoring rounds while the pipeline runs, sampled every 250 ms
      const sampler = await sampleMonitorChecks(replicas);
      const sampleFrom = Date.now();

      const started = await admin(haproxy.url, '/v1/pipelines/retrain/runs', {
        params: { source: CLASSIC, modelName: MODEL, deploy: 'stop' },
      });
      expect(started.status, await started.clone().text()).toBe(200);
      const runId = ((await started.json()) as { id: string }).id;
      type View = {
        run: { state: string };
        tasks: { taskId: string; state: string; worker: string | null }[];
      };
      const view = await until(
        'the retrain run to end',
        async () => {
          const v = (await (await fetch(`${haproxy.url}/v1/pipelines/runs/${runId}`)).json()) as View;
          return ['running', 'paused'].includes(v.run.state) ? undefined : v;
        },
        200_000,
      );
      // at least 6 ticks of the schedule sampled
      await new Promise((r) =>
        setTimeout(r, Math.max(0, sampleFrom + 6 * MONITOR_SECONDS * 1000 - Date.now())),
      );
      const { ms: sampledMs, checks, rounds } = await sampler.stop();
      const sent = await load.stop();

      const byWorker = new Map<number, string[]>();
      for (const t of view.tasks) {
        const pid = Number(t.worker?.split(':')[1]);
        byWorker.set(pid, [...(byWorker.get(pid) ?? []), t.taskId]);
      }
      console.log(
        `retrain ${view.run.state}: tasks per worker ${JSON.stringify(Object.fromEntries(byWorker))}; ` +
          `${sent.length} predictions meanwhile, ${acknowledged(sent).failed.length} not 200`,
      );
      expect(view.run.state).toBe('succeeded');
      expect([...byWorker.keys()].sort()).toEqual(workers.map((w) => w.pid).sort());
      expect(acknowledged(sent).failed).toEqual([]);
      expect(sent.length).toBeGreaterThan(50);

      // the monitoring checks: one process per tick
      const ticks = sampledMs / (MONITOR_SECONDS * 1000);
      const times = checks.map((c) => c.at).sort((a, b) => a - b);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      console.log(
        `monitoring: ${checks.length} checks in ${(sampledMs / 1000).toFixed(1)} s (${ticks.toFixed(1)} ticks of ${MONITOR_SECONDS} s) ` +
          `by ${[...new Set(checks.map((c) => c.replica))].join(', ')}; rounds per replica ${JSON.stringify(rounds)}; gaps ${gaps.join(' ')} ms`,
      );
      expect(rounds.every((r) => r.failed === 0)).toBe(true);
      // one replica held the lease and checked; the others' timers ticked and skipped (a skip is one
      // lease query: most ticks have one)
      const holders = rounds.filter((r) => r.ran > 0);
      expect(holders).toHaveLength(1);
      expect(rounds.filter((r) => r.ran === 0).every((r) => r.skipped >= ticks / 2)).toBe(true);
      // never two checks in one tick (the checks' start times: a tick's check may take most of the
      // tick while the next is quick, so their ends can be close); the holder checked in a share of the ticks that depends on
      // how long a check takes while two workers train on the same two cores (a tick that comes
      // while a check still runs is that check's)
      expect(times.every((t) => Number.isFinite(t))).toBe(true);
      expect(Math.min(...gaps)).toBeGreaterThan(MONITOR_SECONDS * 500);
      expect(checks.length).toBeLessThanOrEqual(Math.ceil(ticks) + 1);
      expect(checks.length).toBeGreaterThanOrEqual(Math.max(2, Math.floor(ticks * 0.3)));
    }, 300_000);

    it('rolling restart: replicas (SIGTERM, restart, next) under load through HAProxy drops no request', async () => {
      await allUp();
      const states = watchStates(haproxy);
      const load = startLoad(haproxy.url, CLASSIC_MUSHROOM, 'rolling', 4);
      loads.push(load);
      await new Promise((r) => setTimeout(r, 1000));
      const figures: string[] = [];
      for (const r of replicas) {
        const termAt = Date.now();
        const code = await r.stop('SIGTERM');
        const exitedAt = Date.now();
        expect(code, r.stderr()).toBe(0);
        expect(r.stderr()).toMatch(/SIGTERM: draining for 5 s/);
        const down = states.changes.find((c) => c.server === r.name && c.at > termAt && /DOWN/.test(c.state));
        const served = loggedRequests(haproxy.output()).filter(
          (l) => l.server === r.name && l.at >= termAt,
        ).length;
        await r.start();
        const startedAt = Date.now();
        await untilStates(haproxy, [r.name], 'UP');
        figures.push(
          `${r.name}: DOWN in HAProxy ${down ? down.at - termAt : '?'} ms after SIGTERM, ${served} requests answered by it while draining, ` +
            `exited after ${exitedAt - termAt} ms, restarted in ${startedAt - exitedAt} ms, UP ${Date.now() - startedAt} ms later`,
        );
        expect(down, JSON.stringify(states.changes)).toBeDefined();
        // marked down while it still answered: before its drain ended
        expect(down!.at - termAt).toBeLessThan(DRAIN_SECONDS * 1000);
        expect(exitedAt - termAt).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
      }
      await new Promise((r) => setTimeout(r, 1000));
      const sent = await load.stop();
      await states.stop();
      const { failed } = acknowledged(sent);
      console.log(
        `rolling restart: ${sent.length} requests, ${failed.length} not answered 200\n  ${figures.join('\n  ')}`,
      );
      expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
      expect(sent.length).toBeGreaterThan(200);
      const counted = await expectNoneLostOrTwice('rolling', sent);
      expect(counted.acked).toBe(sent.length);
    }, 300_000);

    it('SIGKILL (last: the replica stays down): a replica killed under load: no acknowledged prediction lost, failover within the check interval', async () => {
      await allUp();
      const victim = replicas[0];
      const states = watchStates(haproxy);
      const load = startLoad(haproxy.url, CLASSIC_MUSHROOM, 'kill', 6);
      loads.push(load);
      await new Promise((r) => setTimeout(r, 3000));
      const killedAt = Date.now();
      expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
      // until its process is gone, the kernel still accepts connections on its port and lets requests
      // in (they get no answer: a POST is not replayed, see haproxy.cfg)
      const goneAt = Date.now();
      await new Promise((r) => setTimeout(r, 3 * CHECK_INTERVAL_MS + 2000));
      const sent = await load.stop();
      await states.stop();
      const { ids, failed } = acknowledged(sent);
      const after = sent.filter((s) => s.start >= killedAt);
      const down = states.changes.find(
        (c) => c.server === victim.name && c.at > killedAt && /DOWN/.test(c.state),
      );
      // failover: until the last failed request, and the slowest request sent after the kill
      const failoverMs = failed.length === 0 ? 0 : Math.max(...failed.map((s) => s.end)) - killedAt;
      const slowestAfter = Math.max(...after.map((s) => s.end - s.start));
      const logged = loggedRequests(haproxy.output()).filter((l) => l.at >= killedAt - 1000);
      const redispatched = logged.filter((l) => l.retries > 0);
      console.log(
        `SIGKILL of ${victim.name}: process gone ${goneAt - killedAt} ms after the signal; ${sent.length} requests (${after.length} after the kill), ${failed.length} not answered 200 ` +
          `(${failed.map((f) => `${f.status} ${f.start - killedAt}→${f.end - killedAt} ms`).join(', ') || 'none'}); ` +
          `failover ${failoverMs} ms; slowest request sent after the kill ${slowestAfter} ms; ` +
          `${redispatched.length} retried on another replica (haproxy log); marked DOWN after ${down ? down.at - killedAt : '?'} ms`,
      );
      expect(after.length).toBeGreaterThan(50);
      // the only failures are requests the dying replica had taken in (sent before its process was gone)
      for (const f of failed) expect(f.start, JSON.stringify(f)).toBeLessThanOrEqual(goneAt + 20);
      expect(failoverMs).toBeLessThan(CHECK_INTERVAL_MS);
      expect(slowestAfter).toBeLessThan(CHECK_INTERVAL_MS);
      expect(down, JSON.stringify(states.changes)).toBeDefined();
      const counted = await expectNoneLostOrTwice('kill', sent);
      console.log(
        `SIGKILL: ${counted.acked} acknowledged predictions, all in the log once (${counted.logged} rows)`,
      );
      expect(ids.length).toBe(counted.acked);
    }, 120_000);
  });
}
