/**
 * Pieces of the scale-out test (test/scale-out/cluster.test.ts): API replicas as `sporeprint serve`
 * processes on fixed ports (a replica restarts on its port, as HAProxy's static `server` lines need),
 * a load generator whose every request carries its own client id, and what HAProxy and the replicas
 * report (server states, its log, the monitoring rounds on /metrics).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { HaproxyProcess } from './haproxy.js';
import { spawnListening } from './server-process.js';

/** One API replica: `sporeprint serve --port <port>` with a var dir of its own under `dir`. */
export class Replica {
  readonly url: string;
  #child: ChildProcess | undefined;
  #stderr: () => string = () => '';
  #exited: Promise<number | string | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the current process printed on stderr. */
  stderr(): string {
    return this.#stderr();
  }

  /** Starts the process and resolves once it listens. */
  async start(): Promise<void> {
    const varDir = mkdtempSync(join(this.dir, `${this.name}-`));
    const p = await spawnListening(['src/main/cli.ts', 'serve', '--port', String(this.port)], {
      ...this.env,
      SPOREPRINT_VAR_DIR: varDir,
    });
    const child = p.child;
    this.#child = child;
    this.#stderr = p.stderr;
    this.#exited =
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode ?? child.signalCode)
        : new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  }

  /** Sends `signal`; resolves with the exit code (or signal name) once the process has exited. */
  async stop(signal: NodeJS.Signals): Promise<number | string | null> {
    if (this.running) this.#child?.kill(signal);
    return this.#exited;
  }
}

/** One request of the load: its client id, when it was sent and answered, and how. */
export interface Sent {
  readonly client: string;
  readonly start: number;
  readonly end: number;
  /** HTTP status, 0 when no answer came (the connection failed). */
  readonly status: number;
  readonly predictionId?: string;
  readonly error?: string;
}

/** A running load generator. */
export interface Load {
  /** The requests answered so far. */
  readonly sent: readonly Sent[];
  /** Stops sending and resolves with every request once the ones in flight are answered. */
  stop(): Promise<Sent[]>;
}

/**
 * `concurrency` clients sending `POST /v1/predict` through `url` back to back (keep-alive), each
 * request with the client id `<tag>-<n>` (unique: its log rows can be counted), until stopped.
 */
export function startLoad(url: string, body: unknown, tag: string, concurrency: number): Load {
  const sent: Sent[] = [];
  const text = JSON.stringify(body);
  let stopped = false;
  let n = 0;
  const client = async (): Promise<void> => {
    while (!stopped) {
      const id = `${tag}-${n++}`;
      const start = Date.now();
      try {
        const res = await fetch(`${url}/v1/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-client-id': id },
          body: text,
        });
        const answer = await res.text();
        const predictionId =
          res.status === 200 ? (JSON.parse(answer) as { predictionId: string }).predictionId : undefined;
        sent.push({
          client: id,
          start,
          end: Date.now(),
          status: res.status,
          predictionId,
          error: res.status === 200 ? undefined : answer.slice(0, 200),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        sent.push({
          client: id,
          start,
          end: Date.now(),
          status: 0,
          error: `${(e as Error).message} ${cause}`,
        });
      }
    }
  };
  const clients = Array.from({ length: concurrency }, () => client());
  return {
    sent,
    async stop() {
      stopped = true;
      await Promise.all(clients);
      return sent;
    },
  };
}

/** A server's state change seen on HAProxy's statistics page. */
export interface StateChange {
  readonly at: number;
  readonly server: string;
  readonly state: string;
}

/** Polls HAProxy's server states every `everyMs` and records each change, until stopped. */
export function watchStates(
  haproxy: HaproxyProcess,
  everyMs = 100,
): { changes: StateChange[]; stop(): Promise<void> } {
  const changes: StateChange[] = [];
  const last = new Map<string, string>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const states = await haproxy.states();
        const at = Date.now();
        for (const [server, state] of Object.entries(states)) {
          if (last.get(server) !== state) changes.push({ at, server, state });
          last.set(server, state);
        }
      } catch {
        // a poll that failed: the next one
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    changes,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** One request in HAProxy's log (`option httplog`): when it was accepted, the server, retries, status. */
export interface LoggedRequest {
  readonly at: number;
  readonly server: string;
  /** Connection retries (a `+` before them in the log: redispatched to another server). */
  readonly retries: number;
  readonly status: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LOG_LINE =
  / \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d)\.(\d{3})\] \S+ \S+\/(\S+) \S+ (\d{3}) .* \d+\/\d+\/\d+\/\d+\/\+?(\d+) \d+\/\d+ "/;

/** The requests of HAProxy's log (its accept dates are in local time, as written). */
export function loggedRequests(output: string): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const line of output.split('\n')) {
    const m = LOG_LINE.exec(line);
    if (m === null) continue;
    const [, d, mon, y, h, mi, s, ms, server, status, retries] = m;
    out.push({
      at: new Date(+y, MONTHS.indexOf(mon), +d, +h, +mi, +s, +ms).getTime(),
      server,
      retries: Number(retries),
      status: Number(status),
    });
  }
  return out;
}

/** A replica's scheduled monitoring rounds so far and its last check's time, from its /metrics. */
export interface MonitorRounds {
  readonly ran: number;
  readonly skipped: number;
  readonly failed: number;
  /** When its last check started (ms: finished minus its duration), or null. */
  readonly lastCheckAt: number | null;
}

export async function monitorRounds(url: string): Promise<MonitorRounds> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern: string): number | null => {
    const m = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text);
    return m === null ? null : Number(m[1]);
  };
  const rounds = (outcome: string) => value(`sporeprint_monitor_rounds_total\\{outcome="${outcome}"\\}`) ?? 0;
  const last = value('sporeprint_monitor_last_check_timestamp_seconds');
  const took = value('sporeprint_monitor_last_check_duration_seconds') ?? 0;
  return {
    ran: rounds('ran'),
    skipped: rounds('skipped'),
    failed: rounds('failed'),
    lastCheckAt: last === null ? null : Math.round((last - took) * 1000),
  };
}

/** Polls `check` every 100 ms until it returns a value (not undefined); fails after `ms` naming `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the replicas' monitoring schedules did over a sampled time. */
export interface MonitorSample {
  readonly ms: number;
  /** Each check seen, by replica and its time (NaN: two checks between samples, the first's time unseen). */
  readonly checks: readonly { readonly replica: string; readonly at: number }[];
  /** Each replica's rounds over the sample. */
  readonly rounds: readonly { readonly ran: number; readonly skipped: number; readonly failed: number }[];
}

/** Samples the replicas' /metrics every 250 ms until stopped: every check with its replica and time. */
export async function sampleMonitorChecks(
  replicas: readonly { readonly name: string; readonly url: string }[],
): Promise<{ stop(): Promise<MonitorSample> }> {
  const from = Date.now();
  const first = await Promise.all(replicas.map((r) => monitorRounds(r.url)));
  const last = [...first];
  const checks: { replica: string; at: number }[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 250));
      const now = await Promise.all(replicas.map((r) => monitorRounds(r.url).catch(() => null)));
      now.forEach((n, i) => {
        if (n === null) return;
        for (let k = last[i].ran; k < n.ran; k++)
          checks.push({
            replica: replicas[i].name,
            at: k === n.ran - 1 ? (n.lastCheckAt ?? Number.NaN) : Number.NaN,
          });
        last[i] = n;
      });
    }
  })();
  return {
    async stop() {
      sampling = false;
      await loop;
      return {
        ms: Date.now() - from,
        checks,
        rounds: last.map((l, i) => ({
          ran: l.ran - first[i].ran,
          skipped: l.skipped - first[i].skipped,
          failed: l.failed - first[i].failed,
        })),
      };
    },
  };
}

/** The prediction log's rows whose client id starts with `<tag>-`: how many per client id, and their ids. */
export async function loggedPredictions(
  dbUrl: string,
  tag: string,
): Promise<{ perClient: Map<string, number>; ids: Set<string> }> {
  const conn = await createConnection(dbUrl);
  try {
    const [rows] = await conn.query('SELECT id, client_id FROM predictions WHERE client_id LIKE ?', [
      `${tag}-%`,
    ]);
    const perClient = new Map<string, number>();
    const ids = new Set<string>();
    for (const r of rows as { id: string; client_id: string }[]) {
      perClient.set(r.client_id, (perClient.get(r.client_id) ?? 0) + 1);
      ids.add(r.id);
    }
    return { perClient, ids };
  } finally {
    await conn.end();
  }
}
