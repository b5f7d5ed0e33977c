/**
 * A real sporeprint for the browser tests: a temp SQLite database prepared by the real pipeline
 * (`sporeprint start --no-serve`: ETL of the bundled secondary data, three learners, registration,
 * promotion), an admin key, then `sporeprint serve` as its own process, with monitoring checks every
 * 2 s and one extra alert rule that fires as soon as a check sees traffic.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliRun, runCli } from '../helpers/run-cli.js';
import { spawnListening, stopServer } from '../helpers/server-process.js';

/** The served model. */
export const MODEL = 'sporeprint-secondary';
/** The alert rule added for the tests: fires at the first check whose window holds a prediction. */
export const TRAFFIC_RULE = 'traffic_arrived';

/** A prepared database and a running server over it. */
export interface DashboardServer {
  readonly url: string;
  readonly env: Record<string, string>;
  readonly adminKey: string;
  /** What the server printed since it listened (warnings, alerts fired), for failure messages. */
  output(): string;
  /** `sporeprint <args>` against the same database. */
  cli(args: readonly string[]): Promise<CliRun>;
  /** Stops the server (SIGTERM), once. */
  stop(): Promise<void>;
  /** Stops the server if running and removes the files. */
  cleanup(): Promise<void>;
}

function ok(run: CliRun, what: string): CliRun {
  if (run.code !== 0) throw new Error(`${what} failed (${run.code}): ${run.stderr}${run.stdout}`);
  return run;
}

/** Prepares the database with the real pipeline and starts `sporeprint serve` on a free port. */
export async function startDashboardServer(): Promise<DashboardServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-e2e-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      alerts: {
        rules: [
          {
            name: TRAFFIC_RULE,
            metric: 'dataset_drift_share',
            comparison: '>=',
            threshold: 0,
            severity: 'warning',
            summary: 'Traffic arrived: {{ $value }} of the features drifted',
          },
        ],
      },
    }),
  );
  const env: Record<string, string> = {
    DATABASE_URL: `sqlite:${join(dir, 'sporeprint.db')}`,
    SPOREPRINT_VAR_DIR: join(dir, 'var'),
    SPOREPRINT_CONFIG: config,
    SPOREPRINT_LOG_LEVEL: 'warn',
    SPOREPRINT_MONITOR_CHECK_SECONDS: '2',
    SPOREPRINT_EXPERIMENT_CHECK_SECONDS: '2',
  };
  const cli = (args: readonly string[]) => runCli(args, env);
  let child: ChildProcess | undefined;
  try {
    ok(await cli(['start', '--no-serve']), 'sporeprint start --no-serve');
    const key = JSON.parse(
      ok(await cli(['keys', 'create', '--name', 'e2e', '--role', 'admin', '--json']), 'keys create').stdout,
    ) as {
      secret: string;
    };
    const server = await spawnListening(['src/main/cli.ts', 'serve', '--port', '0'], env);
    child = server.child;
    let printed = '';
    child.stdout?.on('data', (d: Buffer) => {
      printed += d.toString();
    });
    let stopped: Promise<void> | null = null;
    const stop = () => {
      stopped ??= stopServer(child);
      return stopped;
    };
    return {
      url: server.url,
      env,
      adminKey: key.secret,
      output: () => `${printed}${server.stderr()}`,
      cli,
      stop,
      async cleanup() {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
