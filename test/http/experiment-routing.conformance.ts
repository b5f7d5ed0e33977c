import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentServiceDeps } from '../../src/main/experiment-deps.js';
import { ArmRanges, assignmentPoint, ExperimentService } from '../../src/services/index.js';
import { createInProcessEventBus, openStorage } from '../../src/storage/index.js';
import { spawnListening } from '../helpers/server-process.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase, registryOver } from '../helpers/serving-setup.js';
import type { TestBackend } from '../helpers/test-databases.js';

const EXP = 'exp-0000000000ab';

interface Ready {
  model: { experiment: unknown };
}

interface Answer {
  predictionId: string;
  arm: string | null;
  experiment: string | null;
  model: { version: number };
}

/** Runs `fn` over `items` with `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** `sporeprint serve` as a user runs it, in its own process. */
function serve(env: Record<string, string>) {
  return spawnListening(['src/main/cli.ts', 'serve'], env);
}

/**
 * Experiment routing across real server processes (`sporeprint serve`) sharing one database; the
 * experiment is created, started, paused and resumed through the real service, as the CLI does.
 */
export function describeExperimentRoutingConformance(backend: TestBackend): void {
  describe(`experiment routing across server processes (real HTTP, ${backend.name})`, () => {
    let dbUrl: string;
    let cleanup: () => void;
    let experiments: ExperimentService;
    let closeStorage: () => Promise<void> = async () => {};
    let versions: number[];
    let predictKey: { id: string; secret: string };
    const servers: { child: ChildProcess; url: string }[] = [];

    /** Pauses or runs the experiment through the real service (the servers poll the repository). */
    const setStatus = async (status: 'running' | 'paused'): Promise<void> => {
      const by = { actor: 'test', reason: `routing test: ${status}` };
      if (status === 'paused') await experiments.pause(EXP, by);
      else await experiments.resume(EXP, by);
    };

    const predict = async (url: string, headers: Record<string, string> = {}, path = '/v1/predict') => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(path === '/v1/predict' ? CLASSIC_MUSHROOM : { records: [CLASSIC_MUSHROOM] }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      dbUrl = backend.freshUrl();
      const prepared = await prepareServingDatabase(dbUrl);
      versions = prepared.versions;
      cleanup = prepared.cleanup;
      const storage = await openStorage(dbUrl);
      const key = await storage.apiKeys.create({ name: 'app', role: 'predict' });
      predictKey = { id: key.id, secret: key.secret };
      await storage.close();
      // the experiment as a user creates and starts it, through the service over the shared database
      const shared = await openStorage(dbUrl);
      closeStorage = () => shared.close();
      const { registry } = registryOver(shared, prepared, createInProcessEventBus());
      experiments = new ExperimentService(experimentServiceDeps(shared, registry));
      await experiments.create({
        id: EXP,
        modelName: 'sporeprint-classic',
        assignment: 'client',
        arms: [
          { name: 'control', version: versions[0], role: 'control', weight: 50 },
          { name: 'challenger', version: versions[1], role: 'challenger', weight: 50 },
        ],
        actor: 'test',
      });
      await experiments.start(EXP, { actor: 'test' });
      const env = {
        DATABASE_URL: dbUrl,
        SPOREPRINT_VAR_DIR: prepared.varDir,
        SPOREPRINT_MODEL_NAME: 'sporeprint-classic',
        SPOREPRINT_LOG_LEVEL: 'silent',
        SPOREPRINT_PORT: '0',
        // no automatic stop rules while the test routes: the statuses are the test's
        SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      };
      servers.push(...(await Promise.all([serve(env), serve(env)])));
    }, 400_000);
    afterAll(async () => {
      for (const s of servers) {
        const exited = new Promise((r) => s.child.once('exit', r));
        s.child.kill('SIGTERM');
        await exited;
      }
      await closeStorage();
      cleanup?.();
    });

    it('two server processes with the same plan agree on the arm of each of 2,000 client ids, at the planned shares', async () => {
      const clients = Array.from({ length: 2000 }, (_, i) => `client-${i}`);
      const ranges = new ArmRanges([50, 50]);
      const answers = await pool(clients, 16, async (c) => {
        const [a, b] = await Promise.all(servers.map((s) => predict(s.url, { 'x-client-id': c })));
        return { c, a: a.body as unknown as Answer, b: b.body as unknown as Answer };
      });
      // the readiness answer says which experiment each process routes by
      for (const s of servers) {
        const ready = (await (await fetch(`${s.url}/health/ready`)).json()) as Ready;
        expect(ready.model.experiment).toEqual({
          experimentId: EXP,
          assignment: 'client',
          arms: [
            { name: 'control', version: versions[0], role: 'control', weight: 50 },
            { name: 'challenger', version: versions[1], role: 'challenger', weight: 50 },
          ],
        });
      }
      let control = 0;
      for (const { c, a, b } of answers) {
        expect(a.experiment).toBe(EXP);
        expect(b.arm, c).toBe(a.arm);
        expect(a.arm).toBe(ranges.pick(assignmentPoint(EXP, c)) === 0 ? 'control' : 'challenger');
        expect(a.model.version).toBe(a.arm === 'control' ? versions[0] : versions[1]);
        if (a.arm === 'control') control++;
      }
      // 2,000 units at 50/50: the binomial's standard deviation is 1.1%
      expect(Math.abs(control / 2000 - 0.5)).toBeLessThan(0.04);
      // the log: each answered prediction with its arm, experiment and client
      const storage = await openStorage(dbUrl);
      try {
        for (const { c, a } of answers.slice(0, 20)) {
          expect(await storage.predictions.get(a.predictionId)).toMatchObject({
            arm: a.arm,
            experimentId: EXP,
            clientId: c,
            modelVersion: a.model.version,
          });
        }
      } finally {
        await storage.close();
      }
    });

    it('without X-Client-Id the API key is the unit; with neither each request draws its arm', async () => {
      const auth = { authorization: `Bearer ${predictKey.secret}` };
      const byKey = await pool([...Array(40).keys()], 8, () => predict(servers[0].url, auth));
      const expected =
        new ArmRanges([50, 50]).pick(assignmentPoint(EXP, predictKey.id)) === 0 ? 'control' : 'challenger';
      expect(new Set(byKey.map((r) => r.body.arm))).toEqual(new Set([expected]));
      const anonymous = await pool([...Array(200).keys()], 8, () => predict(servers[1].url));
      const arms = anonymous.map((r) => r.body.arm);
      expect(new Set(arms)).toEqual(new Set(['control', 'challenger']));
    });

    it('batch items, OIP v2 and MLflow answers say which arm answered', async () => {
      const batch = await predict(servers[0].url, { 'x-client-id': 'client-7' }, '/v1/predict/batch');
      const single = await predict(servers[1].url, { 'x-client-id': 'client-7' });
      const items = batch.body.items as Answer[];
      expect(items.map((it) => [it.arm, it.experiment])).toEqual([[single.body.arm, EXP]]);
      const oip = await fetch(`${servers[1].url}/v2/models/sporeprint-classic/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'client-7' },
        body: JSON.stringify({
          inputs: Object.entries(CLASSIC_MUSHROOM).map(([name, v]) => ({
            name,
            shape: [1],
            datatype: 'BYTES',
            data: [v],
          })),
        }),
      });
      expect(oip.status).toBe(200);
      const body = (await oip.json()) as { model_version: string; parameters: unknown };
      expect(body.parameters).toEqual({ arm: single.body.arm, experiment: EXP });
      expect(body.model_version).toBe(String((single.body as unknown as Answer).model.version));
      const mlflow = await fetch(`${servers[0].url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'client-7' },
        body: JSON.stringify({ dataframe_records: [CLASSIC_MUSHROOM, CLASSIC_MUSHROOM] }),
      });
      expect(mlflow.status).toBe(200);
      const predictions = ((await mlflow.json()) as { predictions: Answer[] }).predictions;
      expect(predictions.map((p) => [p.arm, p.experiment])).toEqual([
        [single.body.arm, EXP],
        [single.body.arm, EXP],
      ]);
    });

    it('an X-Client-Id that is empty, too long or holds spaces is a 422 naming the header; nothing is stored', async () => {
      const storage = await openStorage(dbUrl);
      try {
        const before = await storage.predictions.count();
        for (const bad of ['', 'x'.repeat(129), 'two words', 'tab\there']) {
          for (const path of ['/v1/predict', '/v1/predict/batch']) {
            const r = await predict(servers[0].url, { 'x-client-id': bad }, path);
            expect(r.status, JSON.stringify(bad)).toBe(422);
            const error = r.body.error as { code: string; message: string };
            expect(error.code).toBe('SP_ERR_VALIDATION');
            expect(error.message).toMatch(/x-client-id/);
          }
        }
        expect(await storage.predictions.count()).toBe(before);
      } finally {
        await storage.close();
      }
    });

    it('paused: both processes answer with Production again within the poll; running again: the same arms', async () => {
      const arm = (await predict(servers[0].url, { 'x-client-id': 'client-3' })).body.arm;
      await setStatus('paused');
      const deadline = Date.now() + 20_000;
      for (const s of servers) {
        let r = await predict(s.url, { 'x-client-id': 'client-3' });
        while (r.body.arm !== null && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 100));
          r = await predict(s.url, { 'x-client-id': 'client-3' });
        }
        expect([r.body.arm, r.body.experiment, (r.body as unknown as Answer).model.version]).toEqual([
          null,
          null,
          versions[0],
        ]);
        expect(((await (await fetch(`${s.url}/health/ready`)).json()) as Ready).model.experiment).toBeNull();
      }
      await setStatus('running');
      for (const s of servers) {
        let r = await predict(s.url, { 'x-client-id': 'client-3' });
        while (r.body.arm === null && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 100));
          r = await predict(s.url, { 'x-client-id': 'client-3' });
        }
        expect(r.body.arm).toBe(arm);
      }
    });
  });
}
