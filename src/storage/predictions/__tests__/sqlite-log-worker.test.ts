import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage, type PredictionInput, type Storage } from '../../index.js';
import { preparePrediction } from '../prediction-rows.js';
import { SqliteLogWorker, type SqliteLogWorkerOptions } from '../sqlite-log-worker.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-log-worker-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function fresh(): Promise<{ file: string; storage: Storage }> {
  const file = join(root, `db-${++n}.sqlite`);
  return { file, storage: await openStorage(`sqlite:${file}`) };
}

function prediction(overrides: Partial<PredictionInput> = {}): PredictionInput {
  return {
    id: randomUUID(),
    createdAt: new Date('2026-11-26T10:00:00.000Z'),
    modelName: 'sporeprint-secondary',
    modelVersion: 2,
    arm: null,
    clientId: '127.0.0.1',
    input: { 'cap-shape': 'x', note: 'ünïcode ✓ "q"' },
    output: { decision: 'poisonous', probability: 0.75, warnings: [] },
    decision: 'poisonous',
    probability: 0.75,
    latencyUs: 12,
    requestKind: 'batch',
    ...overrides,
  };
}

const rowsOf = (ps: PredictionInput[]) => ps.map(preparePrediction);

/** Runs `fn` with a writer thread on a fresh database, then closes both. */
async function withWriter(
  options: SqliteLogWorkerOptions,
  fn: (ctx: { file: string; storage: Storage; w: SqliteLogWorker }) => Promise<void>,
): Promise<void> {
  const { file, storage } = await fresh();
  const w = new SqliteLogWorker(file, options);
  try {
    await fn({ file, storage, w });
  } finally {
    await w.close();
    await storage.close();
  }
}

/** Every prediction is stored exactly as given (arm and client null when absent). */
async function expectStored(storage: Storage, ps: readonly PredictionInput[]): Promise<void> {
  for (const p of ps) {
    expect(await storage.predictions.get(p.id)).toEqual({
      ...p,
      arm: p.arm ?? null,
      experimentId: p.experimentId ?? null,
      shadowOf: p.shadowOf ?? null,
      clientId: p.clientId ?? null,
    });
  }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error & { code?: string },
  );

describe('SqliteLogWorker (the prediction log writer thread)', () => {
  it('commits each batch on its own connection: rows are readable, exactly as given, once write resolves', async () => {
    await withWriter({}, async ({ storage, w }) => {
      const batch = [
        prediction(),
        prediction({ arm: 'b', clientId: null, probability: 0.1 + 0.2 }),
        prediction({ arm: 'b', experimentId: 'exp-1', shadowOf: randomUUID() }),
        prediction({ arm: '', clientId: '', latencyUs: 0 }),
      ];
      // a value holding the transport's separator makes its batch go the other way, and arrives intact
      const odd = [prediction({ clientId: 'odd\u001fclient', arm: '' }), prediction()];
      await w.write(rowsOf(batch));
      await w.write(rowsOf(odd));
      await expectStored(storage, [...batch, ...odd]);
      expect(w.inFlight).toBe(0);
    });
  });

  it('sends a batch by columns: shared, varying and mixed-null values all arrive exactly', async () => {
    await withWriter({}, async ({ storage, w }) => {
      const varying = [
        prediction({ arm: null, clientId: 'a', modelVersion: 1, latencyUs: 5, requestKind: 'single' }),
        prediction({
          createdAt: new Date('2026-11-27T00:00:00.000Z'),
          modelName: 'other model ✓',
          modelVersion: 7,
          arm: 'b',
          clientId: null,
          input: { 'cap-shape': 'f', note: '' },
          output: { decision: 'edible', probability: 0.01, warnings: ['w ✓'] },
          decision: 'edible',
          probability: 0.01,
          latencyUs: 0,
          requestKind: 'oip',
        }),
        prediction({ arm: '', clientId: '=starts with =', decision: 'uncertain', probability: 1 / 3 }),
      ];
      const shared = Array.from({ length: 5 }, () => prediction({ arm: 'same arm', clientId: null }));
      await w.write(rowsOf(varying));
      await w.write(rowsOf(shared));
      await expectStored(storage, [...varying, ...shared]);
    });
  });

  it('binds values shared by a batch once per statement: batches over one INSERT, with other shared columns, arrive exactly', async () => {
    await withWriter({}, async ({ storage, w }) => {
      // 1,234 rows: three INSERTs (500, 500, 234); time, model, arm (null), client and kind shared
      const big = Array.from({ length: 1234 }, (_, i) =>
        prediction({
          arm: null,
          probability: i / 1233,
          latencyUs: i % 7,
          decision: i % 2 ? 'edible' : 'poisonous',
        }),
      );
      // the same row count with another set of shared columns (a statement of its own)
      const other = Array.from({ length: 1234 }, (_, i) =>
        prediction({ arm: `arm ${i % 3}`, clientId: i % 5 ? null : 'c', probability: 0.5, latencyUs: 9 }),
      );
      await w.write(rowsOf(big));
      await w.write(rowsOf(other));
      expect(await storage.predictions.count()).toBe(2468);
      await expectStored(storage, [...big.slice(0, 3), ...big.slice(499, 502), ...big.slice(-3)]);
      await expectStored(storage, [...other.slice(0, 6), ...other.slice(-6)]);
    });
  });

  it('a failing batch rejects with the SQLite code and writes none of its rows; the next batch is fine', async () => {
    await withWriter({}, async ({ storage, w }) => {
      const taken = prediction();
      await w.write(rowsOf([taken]));
      const batch = [prediction(), prediction({ id: taken.id })];
      const e = await failure(w.write(rowsOf(batch)));
      expect(e.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
      expect(await storage.predictions.get(batch[0].id)).toBeUndefined();
      const next = prediction();
      await w.write(rowsOf([next]));
      expect(await storage.predictions.count()).toBe(2);
    });
  });

  it('waits for a lock held by another connection without blocking the event loop, then commits', async () => {
    const { file, storage } = await fresh();
    const w = new SqliteLogWorker(file, { busyTimeoutMs: 5000 });
    const other = new BetterSqlite3(file);
    try {
      other.prepare('begin immediate').run();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const p = prediction();
      const write = w.write(rowsOf([p]));
      await new Promise((r) => setTimeout(r, 300));
      expect(ticks).toBeGreaterThan(10); // the event loop ran while the writer waited
      expect(w.inFlight).toBe(1);
      other.prepare('commit').run();
      await write;
      clearInterval(timer);
      expect(await storage.predictions.get(p.id)).toBeDefined();
    } finally {
      other.close();
      await w.close();
      await storage.close();
    }
  });

  it('gives up after the busy timeout with SQLITE_BUSY, which the repository reports as SP_ERR_DATABASE', async () => {
    const file = join(root, `db-${++n}.sqlite`);
    const storage = await openStorage(`sqlite:${file}`, { busyTimeoutMs: 150 });
    const other = new BetterSqlite3(file);
    try {
      other.prepare('begin immediate').run();
      const e = await failure(storage.predictions.insertMany([prediction()]));
      expect(e.code).toBe('SP_ERR_DATABASE');
      expect(e.message).toMatch(/Logging prediction .* failed: database is locked/);
      other.prepare('rollback').run();
      await storage.predictions.insertMany([prediction()]);
      expect(await storage.predictions.count()).toBe(1);
    } finally {
      other.close();
      await storage.close();
    }
  });

  it('keeps the WAL bounded while it writes (it checkpoints every checkpointChars characters of values)', async () => {
    await withWriter({}, async ({ file, storage, w }) => {
      const big = { 'cap-shape': 'x', pad: 'p'.repeat(600) };
      for (let b = 0; b < 30; b++) {
        await w.write(rowsOf(Array.from({ length: 1000 }, () => prediction({ input: big }))));
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(await storage.predictions.count()).toBe(30_000);
      // about 25 MB of rows went through the WAL (about 80 MB of pages); without checkpoints it would hold them all
      expect(statSync(`${file}-wal`).size).toBeLessThan(16 * 1024 * 1024);
    });
  });

  it('checkpoints after acknowledging: at checkpointChars characters, or once idle; never inside a commit', async () => {
    const until = async (cond: () => boolean): Promise<boolean> => {
      for (let t = 0; t < 100 && !cond(); t++) await new Promise((r) => setTimeout(r, 20));
      return cond();
    };
    // the characters of one row's values as the writer counts them (joined by one separator, `=` before
    // each non-null arm and client)
    const chars = Object.values(preparePrediction(prediction()).row)
      .map((v) => (v === null || v === undefined ? 0 : String(v).length + 1))
      .reduce((x, y) => x + y, 1);
    // by size: nothing reaches the database file before checkpointChars characters are committed
    await withWriter(
      { checkpointChars: 250 * chars, checkpointIdleMs: 60_000 },
      async ({ file, storage, w }) => {
        const empty = statSync(file).size;
        await w.write(rowsOf(Array.from({ length: 200 }, () => prediction())));
        await new Promise((r) => setTimeout(r, 100));
        expect(statSync(file).size).toBe(empty);
        expect(await storage.predictions.count()).toBe(200); // committed: readable from the WAL
        await w.write(rowsOf(Array.from({ length: 100 }, () => prediction())));
        expect(await until(() => statSync(file).size > empty)).toBe(true);
      },
    );
    // by idleness
    await withWriter({ checkpointChars: 1e9, checkpointIdleMs: 50 }, async ({ file, storage, w }) => {
      const empty = statSync(file).size;
      await w.write(rowsOf(Array.from({ length: 50 }, () => prediction())));
      expect(statSync(file).size).toBe(empty);
      expect(await until(() => statSync(file).size > empty)).toBe(true);
      expect(await storage.predictions.count()).toBe(50);
    });
  });

  it("openStorage's logCheckpointChars sets the log thread's checkpoint interval (the async log mode's 4 MiB); a bad value is refused", async () => {
    const big = { 'cap-shape': 'x', pad: 'p'.repeat(600) };
    const walAfter = async (opts: { logCheckpointChars?: number }): Promise<number> => {
      const file = join(root, `db-${++n}.sqlite`);
      const storage = await openStorage(`sqlite:${file}`, opts);
      try {
        // about 3 MB of values in commits back to back (no idle pause for an idle checkpoint)
        for (let b = 0; b < 10; b++) {
          await storage.predictions.insertMany(Array.from({ length: 500 }, () => prediction({ input: big })));
        }
        expect(await storage.predictions.count()).toBe(5000);
        return statSync(`${file}-wal`).size;
      } finally {
        await storage.close();
      }
    };
    const small = await walAfter({});
    const large = await walAfter({ logCheckpointChars: 64 * 1024 * 1024 });
    // checkpointed every 128 Ki characters, the WAL is reused from its start; never checkpointed, it holds every page
    expect(small).toBeLessThan(2 * 1024 * 1024);
    expect(large).toBeGreaterThan(3 * 1024 * 1024);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(
        openStorage(`sqlite:${join(root, 'bad.sqlite')}`, { logCheckpointChars: bad }),
      ).rejects.toThrow(`logCheckpointChars must be a positive integer, not ${bad}`);
    }
  });

  it('close() keeps the process alive until the thread has stopped (nothing else holds the event loop)', () => {
    // in a process of its own: a test runner's handles would keep the event loop alive anyway
    const script = join(root, 'close-alone.mts');
    const storageIndex = fileURLToPath(new URL('../../index.js', import.meta.url)).replace(/\.js$/, '.ts');
    writeFileSync(
      script,
      [
        `import { openStorage } from ${JSON.stringify(storageIndex)};`,
        `const storage = await openStorage(${JSON.stringify(`sqlite:${join(root, 'close-alone.sqlite')}`)});`,
        `await storage.predictions.insertMany([${JSON.stringify({ ...prediction(), createdAt: undefined })}]);`,
        'await storage.close();',
        "process.stdout.write('closed');",
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('closed');
    expect(r.status).toBe(0);
  });

  it('close() waits for the writes in flight; writes after close are refused', async () => {
    const { file, storage } = await fresh();
    const w = new SqliteLogWorker(file);
    try {
      const batches = [0, 1, 2].map(() => Array.from({ length: 300 }, () => prediction()));
      const writes = batches.map((b) => w.write(rowsOf(b)));
      await w.close();
      await Promise.all(writes);
      expect(await storage.predictions.count()).toBe(900);
      expect((await failure(w.write(rowsOf([prediction()])))).message).toMatch(/closed/);
    } finally {
      await storage.close();
    }
  });

  it('a stopped thread never fails the writes of the thread that replaced it', async () => {
    const dir = join(root, 'late');
    const file = join(dir, 'db.sqlite');
    const w = new SqliteLogWorker(file);
    try {
      // the first thread cannot open the file and stops; the write made right after its failure
      // starts a second one, while the first one's exit is still on its way
      expect((await failure(w.write(rowsOf([prediction()])))).message).toMatch(/cannot open/);
      mkdirSync(dir);
      const storage = await openStorage(`sqlite:${file}`);
      try {
        const p = prediction();
        await w.write(rowsOf([p]));
        await new Promise((r) => setTimeout(r, 200));
        await expectStored(storage, [p]);
        const q = prediction();
        await w.write(rowsOf([q]));
        await expectStored(storage, [q]);
      } finally {
        await storage.close();
      }
    } finally {
      await w.close();
    }
  });

  it('runs compiled, as in the build: sqlite-log-worker.js starts sqlite-log-thread.js under plain node', async () => {
    // the writer and its thread compiled with tsconfig.build.json's settings (just these two files
    // and what they import), then used by a node process without tsx, as `npm start` uses dist/
    const out = join(root, 'compiled');
    mkdirSync(out);
    const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
    const repo = here('../../../../');
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repo, 'tsconfig.build.json'),
        compilerOptions: {
          rootDir: join(repo, 'src'),
          outDir: join(out, 'dist'),
          sourceMap: false,
          typeRoots: [join(repo, 'node_modules/@types')],
        },
        include: [],
        files: [here('../sqlite-log-worker.ts'), here('../sqlite-log-thread.ts')],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', out], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    writeFileSync(join(out, 'package.json'), '{ "type": "module" }');
    symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'), 'dir');
    const { file, storage } = await fresh();
    try {
      const ps = [prediction(), prediction({ arm: 'b' })];
      writeFileSync(
        join(out, 'write.mjs'),
        [
          "import { SqliteLogWorker } from './dist/storage/predictions/sqlite-log-worker.js';",
          `const w = new SqliteLogWorker(${JSON.stringify(file)});`,
          `await w.write(${JSON.stringify(rowsOf(ps))});`,
          'await w.close();',
          "process.stdout.write('written');",
        ].join('\n'),
      );
      const r = spawnSync(process.execPath, [join(out, 'write.mjs')], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('written');
      await expectStored(storage, ps);
    } finally {
      await storage.close();
    }
  });

  it('reports a database it cannot open, naming the problem, on the write that needed it', async () => {
    const w = new SqliteLogWorker(join(root, 'missing', 'nothing.sqlite'));
    try {
      const e = await failure(w.write(rowsOf([prediction()])));
      expect(e.message).toMatch(/nothing\.sqlite/);
      expect(w.inFlight).toBe(0);
    } finally {
      await w.close();
    }
  });
});
