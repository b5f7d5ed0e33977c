/**
 * ETL benchmark (issue 2 targets): the full secondary file extracted, validated and loaded into a fresh
 * SQLite file (target ≤ 2 s) and a fresh MariaDB database (target ≤ 6 s), peak RSS (target < 300 MB),
 * beside the time pandas takes just to read the same file.
 *
 *   npm run bench:etl                      # SQLite + pandas
 *   BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/sporeprint_bench npm run bench:etl
 *
 * Each measurement runs in a fresh child process so that peak RSS belongs to that run alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtlService } from '../src/services/index.js';
import { openStorage } from '../src/storage/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.env.BENCH_SOURCE ?? join(root, 'data', 'secondary_data.csv');

async function once(url: string): Promise<void> {
  const storage = await openStorage(url);
  const etl = new EtlService(storage.datasets, {
    invalidThreshold: 0.01,
    seed: 42,
    speciesFile: join(root, 'data', 'primary_data.csv'),
  });
  const t0 = performance.now();
  const summary = await etl.run({ source });
  const ms = performance.now() - t0;
  await storage.close();
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ms, rss, rows: summary.rows.valid, status: summary.status })}\n`);
}

interface Result {
  ms: number;
  rss: number;
  rows: number;
}

function child(url: string): Result {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', url],
    {
      encoding: 'utf8',
      env: { ...process.env, BENCH_SOURCE: source },
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

function pandasReadMs(): number | null {
  const code = `import time, pandas as pd
ts=[]
for _ in range(5):
    t=time.perf_counter(); pd.read_csv(${JSON.stringify(source)}, sep=";"); ts.append(time.perf_counter()-t)
ts.sort(); print(ts[2]*1000)`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await once(process.argv[3]);
    return;
  }
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const report = (name: string, target: number, results: Result[]): void => {
    const ms = median(results.map((r) => r.ms));
    const rss = Math.max(...results.map((r) => r.rss));
    console.log(
      `${name.padEnd(8)} rows ${results[0].rows}  median ${(ms / 1000).toFixed(2)} s (target ≤ ${target} s: ${
        ms <= target * 1000 ? 'met' : 'MISSED'
      })  runs ${results.map((r) => (r.ms / 1000).toFixed(2)).join(' ')} s  peak RSS ${rss.toFixed(0)} MB (target < 300 MB: ${
        rss < 300 ? 'met' : 'MISSED'
      })`,
    );
  };
  console.log(`ETL of ${source}`);
  const sqlite: Result[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'sporeprint-bench-'));
    try {
      sqlite.push(child(`sqlite:${join(dir, 'bench.db')}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  report('SQLite', 2, sqlite);
  const mysqlUrl = process.env.BENCH_MYSQL_URL;
  if (mysqlUrl) {
    const maria: Result[] = [];
    for (let i = 0; i < runs; i++) {
      const url = `${mysqlUrl}_${process.pid}_${i}`;
      try {
        maria.push(child(url));
      } finally {
        const db = new URL(url).pathname.slice(1);
        spawnSync('mariadb', ['-uroot', '-h127.0.0.1', '-e', `DROP DATABASE IF EXISTS \`${db}\``]);
      }
    }
    report('MariaDB', 6, maria);
  } else {
    console.log('MariaDB  skipped (set BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/sporeprint_bench)');
  }
  const pandas = pandasReadMs();
  console.log(
    pandas === null
      ? 'pandas   not available (/usr/bin/python3 with pandas: apt-get install python3-pandas)'
      : `pandas   read_csv only (no validation, no load), median of 5: ${(pandas / 1000).toFixed(3)} s`,
  );
}

await main();
