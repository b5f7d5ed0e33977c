/**
 * The README's "Operations runbook", run as written: every `sh` block of the section, in order,
 * through bash with the placeholders set, against a MariaDB database, a served API (`sporeprint serve`
 * as a process, Redis events) and trained models; each step's effect is checked in the database and
 * through the API. The README is read, never copied: change a command there and this runs the new one.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staleReason } from '../../scripts/build.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import type { CliRun } from '../helpers/run-cli.js';
import { spawnListening, stopServer } from '../helpers/server-process.js';
import { CLASSIC_MUSHROOM, prepareServingDatabase } from '../helpers/serving-setup.js';
import { mariadbBackend } from '../helpers/test-databases.js';
import { type RunbookBlock, runBlock, runbookBlocks } from './runbook-blocks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'sporeprint-classic';
const PORT = 18210;

/** The blocks, in the order the README gives them; a block added, removed or renamed fails here. */
const STEPS = [
  'promote',
  'promote-check',
  'rollback',
  'promote-http',
  'rollback-http',
  'experiment-start',
  'experiment-check',
  'experiment-conclude',
  'silence',
  'unsilence',
  'pipeline-retry',
  'key-create',
  'key-overlap',
  'key-revoke',
  'mariadb-backup',
  'mariadb-restore',
  'mariadb-verify',
  'sqlite-backup',
  'sqlite-restore',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A `sporeprint` command on PATH: the installed CLI (bin/sporeprint.js, the compiled dist/) when dist/
 * is up to date with src/, as after `npm ci`; else the CLI from this checkout's sources under tsx (as
 * `npm run sporeprint`), about twice as slow to start, never a stale build.
 */
function installCli(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const command =
    staleReason(ROOT) === null
      ? `"${join(ROOT, 'bin/sporeprint.js')}"`
      : `--import "${tsx}" "${join(ROOT, 'src/main/cli.ts')}"`;
  writeFileSync(join(bin, 'sporeprint'), `#!/bin/sh\nexec "${process.execPath}" ${command} "$@"\n`);
  chmodSync(join(bin, 'sporeprint'), 0o755);
  return bin;
}

const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const blocks: RunbookBlock[] = runbookBlocks(readme, '## Operations runbook');

/** The text of `option "…"` in block `name` (what the operator typed, so the history must hold it). */
function quoted(name: string, option: string): string {
  const script = blocks.find((b) => b.name === name)?.script ?? '';
  const m = new RegExp(`${option} "([^"]+)"`).exec(script);
  if (m === null) throw new Error(`runbook block ${name} has no ${option} "…"`);
  return m[1];
}

describe('README operations runbook: the blocks', () => {
  it('are the steps this test runs, each marked, in order', () => {
    expect(blocks.map((b) => b.name)).toEqual(STEPS);
    for (const b of blocks) expect(b.script.trim(), b.name).not.toBe('');
  });

  it('leave no command unrun: an sh block without a marker, or a marker without one, is refused', () => {
    const doc = (body: string) =>
      `# x\n\n## Operations runbook\n\n${body}\n## Next\n\n\`\`\`sh\nignored\n\`\`\`\n`;
    expect(
      runbookBlocks(doc('<!-- runbook: a -->\n\n```sh\necho a\n```\n'), '## Operations runbook'),
    ).toEqual([{ name: 'a', script: 'echo a' }]);
    expect(() => runbookBlocks(doc('```sh\necho unrun\n```\n'), '## Operations runbook')).toThrow(
      /without a marker/,
    );
    expect(() => runbookBlocks(doc('<!-- runbook: a -->\ntext\n'), '## Operations runbook')).toThrow(
      /"a" has no sh block/,
    );
    expect(() =>
      runbookBlocks(doc('<!-- runbook: a -->\n```bash\nx\n```\n'), '## Operations runbook'),
    ).toThrow(/other than sh/);
  });
});

const mariadb = mariadbBackend('runbook');

describe.runIf(mariadb !== null)('README operations runbook, run against MariaDB and a served API', () => {
  let work = '';
  let bin = '';
  const liveUrl = mariadb?.freshUrl() ?? '';
  const restoredUrl = mariadb?.freshUrl() ?? '';
  const redisUrl = process.env.SPOREPRINT_TEST_REDIS_URL;
  let varDir = '';
  let cleanupVar = () => {};
  let storage: Storage;
  let server: ChildProcess | undefined;
  const api = `http://127.0.0.1:${PORT}`;
  const old = { id: '', secret: '' };
  const fresh = { id: '', secret: '' };
  /** The environment of the deployment: what the CLI in the blocks runs with. */
  let deployment: Record<string, string> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sp-runbook-'));
    bin = installCli(work);
    // v1 decision tree (Production), v2 boosting, v3 logistic regression, v4 a second decision tree
    const prepared = await prepareServingDatabase(
      liveUrl,
      {},
      {
        source: CLASSIC,
        modelName: MODEL,
        models: ['decision-tree', 'gradient-boosting', 'logistic-regression', 'decision-tree'],
      },
    );
    varDir = prepared.varDir;
    cleanupVar = prepared.cleanup;
    expect(prepared.versions).toEqual([1, 2, 3, 4]);
    deployment = {
      DATABASE_URL: liveUrl,
      SPOREPRINT_VAR_DIR: varDir,
      SPOREPRINT_MODEL_NAME: MODEL,
      ...(redisUrl ? { SPOREPRINT_REDIS_URL: redisUrl } : {}),
      SPOREPRINT_MONITOR_CHECK_MINUTES: '0',
      SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '0',
      SPOREPRINT_ACCESS_LOG: 'false',
      SPOREPRINT_LOG_LEVEL: 'warn',
    };
    storage = await openStorage(liveUrl);
    const k = await storage.apiKeys.create({ name: 'deploy-pipeline', role: 'admin' });
    Object.assign(old, { id: k.id, secret: k.secret });
    server = (await spawnListening(['src/main/cli.ts', 'serve', '--port', String(PORT)], deployment)).child;
  });
  afterAll(async () => {
    await stopServer(server);
    await storage?.close();
    cleanupVar();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  /** Runs the README block `name` with the deployment's environment and the placeholders. */
  const step = async (name: string, placeholders: Record<string, string> = {}): Promise<CliRun> => {
    const block = blocks.find((b) => b.name === name);
    if (block === undefined) throw new Error(`no runbook block ${name}`);
    const r = await runBlock(block.script, work, {
      ...deployment,
      PATH: `${bin}:${process.env.PATH}`,
      SPOREPRINT_URL: api,
      ADMIN_KEY: old.secret,
      MODEL,
      ...placeholders,
    });
    expect(r.code, `runbook block ${name} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const production = async () => (await storage.registry.productionVersion(MODEL))?.version;
  const ready = async () =>
    (await (await fetch(`${api}/health/ready`)).json()) as {
      model: { model: { version: number } | null; experiment: { experimentId: string } | null };
    };
  /** Resolves once the server serves `version` (it follows the registry within about a second). */
  const serves = (version: number) =>
    until(`the server serving v${version}`, async () =>
      (await ready()).model.model?.version === version ? true : undefined,
    );
  const get = async (path: string, key = old.secret) =>
    fetch(`${api}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('promotes a version and rolls back, with the CLI and over HTTP', async () => {
    const promoted = await step('promote', { VERSION: '2' });
    expect(promoted.stdout).toContain('Model sporeprint-classic');
    expect(await production()).toBe(2);
    await serves(2);

    const check = await step('promote-check');
    expect(check.stdout).toMatch(/"model":\{"version":2,/);
    expect(check.stdout).toContain(quoted('promote', '--reason'));

    await step('rollback');
    expect(await production()).toBe(1);
    expect((await storage.registry.getVersion(MODEL, 2)).stage).toBe('Archived');
    await serves(1);

    const http = await step('promote-http', { VERSION: '3' });
    expect(JSON.parse(http.stdout)).toMatchObject({ version: { version: 3, stage: 'Production' } });
    expect(await production()).toBe(3);
    await step('rollback-http');
    expect(await production()).toBe(1);
    await serves(1);
    const events = await storage.registry.history(MODEL);
    expect(events.filter((e) => e.event === 'rolled-back').map((e) => e.version)).toEqual([1, 1]);
  });

  it('starts an experiment that the server routes by, and concludes it with a promotion', async () => {
    const ids = { EXPERIMENT: 'exp-runbook', CONTROL: '1', CHALLENGER: '4' };
    await step('experiment-start', ids);
    const shown = (await (await get('/v1/experiments/exp-runbook')).json()) as {
      experiment: { status: string };
    };
    expect(shown.experiment.status).toBe('running');
    await until('the server routing by the experiment', async () =>
      (await ready()).model.experiment?.experimentId === 'exp-runbook' ? true : undefined,
    );
    const check = await step('experiment-check', ids);
    expect(check.stdout).toContain('exp-runbook');
    expect(check.stdout).toMatch(/running/);
    expect(check.stdout).toMatch(/"experimentId":"exp-runbook"/);
    const answer = (await (
      await fetch(`${api}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'client-7' },
        body: JSON.stringify(CLASSIC_MUSHROOM),
      })
    ).json()) as { arm: string; experiment: string };
    expect(answer.experiment).toBe('exp-runbook');
    expect(['control', 'challenger']).toContain(answer.arm);

    await step('experiment-conclude', ids);
    const concluded = (await (await get('/v1/experiments/exp-runbook')).json()) as {
      experiment: { status: string };
    };
    expect(concluded.experiment.status).toBe('concluded');
    expect(await production()).toBe(4); // the challenger, promoted through the quality gate
    await serves(4);
    expect((await ready()).model.experiment).toBeNull();
  });

  it('silences an alert and removes the silence', async () => {
    const created = await step('silence');
    const id = /Created silence (\S+) /.exec(created.stdout)?.[1];
    expect(id, created.stdout).toBeDefined();
    type Listing = { silences: { id: string; status: string; comment: string }[] };
    const listed = (await (await get('/v1/alerts')).json()) as Listing;
    expect(listed.silences.find((s) => s.id === id)).toMatchObject({
      status: 'active',
      comment: quoted('silence', '--comment'),
    });

    const ended = await step('unsilence', { SILENCE_ID: id as string });
    expect(ended.stdout).toContain(`Ended silence ${id}`);
    const after = (await (await get('/v1/alerts')).json()) as Listing;
    expect(after.silences.find((s) => s.id === id)?.status).toBe('expired');
  });

  it('retries a failed pipeline run once its cause is fixed', async () => {
    // a retrain whose source file has not arrived: its etl task fails (after its retries), the run fails
    const source = join(work, 'incoming', 'classic.data');
    const failed = await runBlock(
      `sporeprint pipeline run retrain --param source="${source}" --param deploy=stop`,
      work,
      { ...deployment, PATH: `${bin}:${process.env.PATH}` },
    );
    expect(failed.code, failed.stderr).toBe(1);
    const [run] = await storage.pipelines.listRuns({ pipeline: 'retrain' });
    expect(run.state).toBe('failed');
    expect((await storage.pipelines.task(run.id, 'etl'))?.state).toBe('failed');

    mkdirSync(join(work, 'incoming'));
    copyFileSync(CLASSIC, source); // the cause fixed: the file is there
    const retried = await step('pipeline-retry', { RUN_ID: run.id });
    expect(retried.stdout).toContain(run.id);
    const after = await storage.pipelines.getRun(run.id);
    expect(after?.state).toBe('succeeded');
    const tasks = await storage.pipelines.tasks(run.id);
    expect(tasks.every((t) => t.state === 'succeeded')).toBe(true);
    expect((await storage.registry.listVersions(MODEL)).length).toBe(7); // register: three more
  });

  it('rotates API keys: both work during the overlap, the old one is refused once revoked', async () => {
    const created = await step('key-create');
    fresh.secret = /(sp_[A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1] ?? '';
    fresh.id = /admin key (key_[0-9a-f]{8})/.exec(created.stdout)?.[1] ?? '';
    expect(fresh.secret, created.stdout).not.toBe('');

    const overlap = await step('key-overlap', { NEW_KEY: fresh.secret });
    expect(overlap.stdout.split('\n')[0]).toBe('200');
    expect(overlap.stdout).toContain(old.id);
    expect(overlap.stdout).toContain(fresh.id);
    expect((await get('/v1/experiments', old.secret)).status).toBe(200); // no downtime: both accepted

    const revoked = await step('key-revoke', { OLD_KEY_ID: old.id, OLD_KEY: old.secret });
    expect(revoked.stdout).toContain('401');
    expect((await get('/v1/experiments', old.secret)).status).toBe(401);
    // the new key can do what the old one did: an admin action
    const promote = await fetch(`${api}/v1/models/${MODEL}/versions/1/promote`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fresh.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'new key', force: true }),
    });
    expect(promote.status).toBe(200);
    expect(await production()).toBe(1);
  });

  it('backs up MariaDB and the artifact store online, restores them, and every artifact verifies', async () => {
    const db = new URL(liveUrl);
    const conn = (url: string) => ({
      DB_HOST: db.hostname,
      DB_PORT: db.port || '3306',
      DB_USER: decodeURIComponent(db.username || 'root'),
      ...(db.password ? { MYSQL_PWD: decodeURIComponent(db.password) } : {}),
      DB_NAME: new URL(url).pathname.slice(1),
      BACKUP_DIR: join(work, 'backup'),
    });
    // predictions keep arriving while the dump runs: the servers need not stop for a backup
    let predicting = true;
    const traffic = (async () => {
      while (predicting) {
        await fetch(`${api}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(CLASSIC_MUSHROOM),
        });
      }
    })();
    await step('mariadb-backup', conn(liveUrl));
    predicting = false;
    await traffic;
    expect(statSync(join(work, 'backup', 'sporeprint.sql')).size).toBeGreaterThan(0);

    const restoredVar = join(work, 'restored-var');
    await step('mariadb-restore', { ...conn(restoredUrl), SPOREPRINT_VAR_DIR: restoredVar });
    const verified = await step('mariadb-verify', {
      DATABASE_URL: restoredUrl,
      SPOREPRINT_VAR_DIR: restoredVar,
    });
    expect(verified.stdout).toContain('7 version(s)');
    expect(verified.stdout.match(/ ok$/gm)?.length).toBe(7);

    // the restored database answers with the same registry, experiments, keys and runs, and keeps
    // the triggers that make the histories append-only
    const triggers = async (url: string) => {
      const c = await createConnection(url);
      try {
        const [rows] = await c.query('SHOW TRIGGERS');
        return (rows as { Trigger: string }[]).map((r) => r.Trigger).sort();
      } finally {
        await c.end();
      }
    };
    expect((await triggers(restoredUrl)).length).toBeGreaterThan(0);
    expect(await triggers(restoredUrl)).toEqual(await triggers(liveUrl));
    const restored = await openStorage(restoredUrl);
    try {
      const same = async (s: Storage) => ({
        versions: (await s.registry.listVersions(MODEL)).map((v) => [v.version, v.stage, v.artifactSha256]),
        history: (await s.registry.history(MODEL)).length,
        keys: (await s.apiKeys.list()).map((k) => [k.id, k.revokedAt !== null]),
        experiments: (await s.experiments.list({ limit: 100 })).map((e) => [e.id, e.status]),
        runs: (await s.pipelines.listRuns({})).map((r) => [r.id, r.state]),
      });
      expect(await same(restored)).toEqual(await same(storage));
    } finally {
      await restored.close();
    }

    // and `models verify` names what a damaged copy lacks: exit 1, each failing version and why
    const versions = await storage.registry.listVersions(MODEL);
    const gbdt = versions.find((v) => v.version === 2)?.artifactSha256 ?? '';
    const lr = versions.find((v) => v.version === 3)?.artifactSha256 ?? '';
    const path = (sha: string) => join(restoredVar, 'artifacts', sha.slice(0, 2), sha);
    rmSync(path(gbdt));
    chmodSync(path(lr), 0o644);
    writeFileSync(path(lr), '{"tampered": true}');
    const damaged = await runBlock('sporeprint models verify --json', work, {
      DATABASE_URL: restoredUrl,
      SPOREPRINT_VAR_DIR: restoredVar,
      PATH: `${bin}:${process.env.PATH}`,
    });
    expect(damaged.code).toBe(1);
    const report = JSON.parse(damaged.stdout) as {
      ok: boolean;
      checks: { version: number; sha256: string; ok: boolean; code: string | null }[];
    };
    expect(report.ok).toBe(false);
    for (const c of report.checks) {
      const expected =
        c.sha256 === gbdt ? 'SP_ERR_NOT_FOUND' : c.sha256 === lr ? 'SP_ERR_ARTIFACT_CORRUPT' : null;
      expect(c.code, `v${c.version}`).toBe(expected);
    }
    expect(damaged.stderr).toMatch(
      /^error \[SP_ERR_(NOT_FOUND|ARTIFACT_CORRUPT)\]: \d of 7 registered version/m,
    );
    expect(damaged.stderr).toContain(`${MODEL} v2 (SP_ERR_NOT_FOUND)`);
    expect(damaged.stderr).toContain(`${MODEL} v3 (SP_ERR_ARTIFACT_CORRUPT)`);
  });
});

describe('README operations runbook: SQLite backup and restore', () => {
  let work = '';
  let bin = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sp-runbook-sqlite-'));
    bin = installCli(work);
  });
  afterAll(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('copies a live database with its WAL commits, and restores it over a changed one', async () => {
    const file = join(work, 'var', 'sporeprint.db');
    mkdirSync(join(work, 'var'));
    const prepared = await prepareServingDatabase(
      `sqlite:${file}`,
      {},
      { source: CLASSIC, modelName: MODEL, models: ['decision-tree', 'logistic-regression'] },
    );
    const env = {
      DATABASE_URL: `sqlite:${file}`,
      SPOREPRINT_VAR_DIR: prepared.varDir,
      SQLITE_FILE: file,
      BACKUP_DIR: join(work, 'backup'),
      PATH: `${bin}:${process.env.PATH}`,
    };
    const storage = await openStorage(`sqlite:${file}`);
    try {
      // a commit still in the WAL of an open connection (the running server's, say) is in the copy
      await storage.registry.setAlias({ modelName: MODEL, alias: 'champion', version: 2, actor: 'test' });
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      const backup = await runBlock(blocks.find((b) => b.name === 'sqlite-backup')?.script ?? '', work, env);
      expect(backup.code, backup.stderr).toBe(0);
      // what happens after the backup, and the loss to recover from
      await storage.registry.setAlias({ modelName: MODEL, alias: 'champion', version: 1, actor: 'test' });
      await storage.registry.removeAlias({ modelName: MODEL, alias: 'champion', actor: 'test' });
    } finally {
      await storage.close();
    }
    rmSync(join(prepared.varDir, 'artifacts'), { recursive: true, force: true });

    const restore = await runBlock(blocks.find((b) => b.name === 'sqlite-restore')?.script ?? '', work, env);
    expect(restore.code, `${restore.stdout}\n${restore.stderr}`).toBe(0);
    expect(restore.stdout).toContain('2 version(s)');
    const restored = await openStorage(`sqlite:${file}`);
    try {
      expect((await restored.registry.versionByAlias(MODEL, 'champion')).version).toBe(2);
      expect((await restored.registry.productionVersion(MODEL))?.version).toBe(1);
    } finally {
      await restored.close();
    }
    prepared.cleanup();
  });
});
