/**
 * Replays labelled mushrooms through a running sporeprint API at a steady rate, as many clients, and
 * posts their true labels as feedback after a delay — so an experiment can be watched reaching its
 * decision.
 */
import { SporeprintError } from '../../core/index.js';
import { getSchema, type SchemaName } from '../../data/index.js';

/** A mushroom of the data with its true class. */
export interface LabelledRecord {
  readonly record: Readonly<Record<string, string | number>>;
  readonly label: 'e' | 'p';
}

/** The rows of a bundled data file (`class` first, then the schema's features), as records. */
export function labelledRecords(text: string, dataset: SchemaName): LabelledRecord[] {
  const schema = getSchema(dataset);
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const sep = dataset === 'secondary' ? ';' : ',';
  const body = dataset === 'secondary' ? lines.slice(1) : lines;
  const out: LabelledRecord[] = [];
  for (const line of body) {
    const cells = line.split(sep);
    const label = cells[0]?.trim();
    if (label !== 'e' && label !== 'p') continue;
    const record: Record<string, string | number> = {};
    schema.features.forEach((f, j) => {
      const v = cells[j + 1]?.trim();
      if (v === undefined || v === '' || schema.missingMarkers.includes(v)) return;
      record[f.name] = f.kind === 'numeric' ? Number(v) : v;
    });
    out.push({ record, label });
  }
  return out;
}

/** What a simulation does. */
export interface SimulationOptions {
  readonly url: string;
  /** Requests per second. */
  readonly rate: number;
  /** Seconds of traffic (labels due later are still sent). */
  readonly durationS: number;
  /** Distinct X-Client-Id values (sim-client-1 … N). */
  readonly clients: number;
  /** Seconds between an answer and its label. */
  readonly labelDelayS: number;
  /** Share of answered predictions whose label is sent. */
  readonly labelShare: number;
  readonly key?: string;
  readonly records: readonly LabelledRecord[];
  /** In [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** Counts so far (and at the end). */
export interface SimulationSummary {
  requests: number;
  answered: number;
  errors: number;
  /** Answered predictions per arm ("(none)": no experiment). */
  readonly arms: Record<string, number>;
  labelsSent: number;
  labelErrors: number;
  /** The first error messages (at most 5). */
  readonly errorSamples: string[];
  elapsedS: number;
}

/** Requests in flight at most: beyond it, ticks send nothing (the server is slower than the rate). */
const MAX_IN_FLIGHT = 256;
const TICK_MS = 10;

/**
 * Sends `rate` predictions a second for `durationS` seconds, each a random record as a random client
 * (`X-Client-Id`), then the label of `labelShare` of the answered ones `labelDelayS` seconds later
 * (POST /v1/feedback, source "simulator"). `onProgress` is called every tick with the counts.
 */
export async function simulateTraffic(
  o: SimulationOptions,
  onProgress: (s: SimulationSummary) => void = () => {},
): Promise<SimulationSummary> {
  const random = o.random ?? Math.random;
  const s: SimulationSummary = {
    requests: 0,
    answered: 0,
    errors: 0,
    arms: {},
    labelsSent: 0,
    labelErrors: 0,
    errorSamples: [],
    elapsedS: 0,
  };
  const auth: Record<string, string> = o.key === undefined ? {} : { authorization: `Bearer ${o.key}` };
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const fail = (what: string): void => {
    if (s.errorSamples.length < 5) s.errorSamples.push(what);
  };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${o.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...headers },
      body: JSON.stringify(body),
    });
  const label = async (predictionId: string, trueLabel: 'e' | 'p'): Promise<void> => {
    await new Promise((r) => setTimeout(r, o.labelDelayS * 1000));
    try {
      const res = await post('/v1/feedback', { predictionId, label: trueLabel, source: 'simulator' });
      if (res.ok) s.labelsSent++;
      else {
        s.labelErrors++;
        fail(`feedback: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      }
    } catch (e) {
      s.labelErrors++;
      fail(`feedback: ${(e as Error).message}`);
    }
  };
  const predictOne = async (): Promise<void> => {
    const row = o.records[Math.floor(random() * o.records.length)];
    const client = `sim-client-${1 + Math.floor(random() * o.clients)}`;
    s.requests++;
    try {
      const res = await post('/v1/predict', row.record, { 'x-client-id': client });
      const text = await res.text();
      if (!res.ok) {
        s.errors++;
        fail(`predict: HTTP ${res.status} ${text.slice(0, 200)}`);
        return;
      }
      const a = JSON.parse(text) as { predictionId: string; arm: string | null };
      s.answered++;
      const arm = a.arm ?? '(none)';
      s.arms[arm] = (s.arms[arm] ?? 0) + 1;
      if (random() < o.labelShare) track(label(a.predictionId, row.label));
    } catch (e) {
      s.errors++;
      fail(`predict: ${(e as Error).message}`);
    }
  };
  const t0 = performance.now();
  const total = Math.round(o.rate * o.durationS);
  let inFlight = 0;
  while (s.requests < total) {
    s.elapsedS = (performance.now() - t0) / 1000;
    const due = Math.min(total, Math.floor(s.elapsedS * o.rate) + 1);
    while (s.requests < due && inFlight < MAX_IN_FLIGHT) {
      inFlight++;
      track(predictOne().finally(() => inFlight--));
    }
    onProgress(s);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  while (pending.size > 0) {
    await Promise.race([...pending, new Promise((r) => setTimeout(r, 200))]);
    s.elapsedS = (performance.now() - t0) / 1000;
    onProgress(s);
  }
  s.elapsedS = (performance.now() - t0) / 1000;
  return s;
}

/** The model a running server answers with: its name, and the versions that answer (the loaded one first). */
export interface ServedModel {
  readonly modelName: string;
  readonly versions: readonly number[];
}

/**
 * Asks a running server which model versions answer its predictions (`GET /health/ready`): the loaded
 * version, then the arms of a running experiment.
 * @throws SporeprintError `SP_ERR_NOT_READY` when the server cannot be reached or is not ready.
 */
export async function servedModel(url: string): Promise<ServedModel> {
  let status: number;
  let text: string;
  try {
    const res = await fetch(`${url}/health/ready`);
    status = res.status;
    text = await res.text();
  } catch (e) {
    throw new SporeprintError(
      'SP_ERR_NOT_READY',
      `cannot ask ${url} which model it serves: ${(e as Error).message}`,
    );
  }
  const body = (status === 200 ? JSON.parse(text) : null) as {
    model?: {
      modelName?: string;
      model?: { version?: number } | null;
      experiment?: { arms?: { version: number }[] } | null;
    };
  } | null;
  const loaded = body?.model?.model?.version;
  const modelName = body?.model?.modelName;
  if (typeof loaded !== 'number' || typeof modelName !== 'string') {
    throw new SporeprintError(
      'SP_ERR_NOT_READY',
      `cannot tell which model ${url} serves: GET /health/ready answered HTTP ${status} ${text.slice(0, 200)}`,
    );
  }
  const arms = (body?.model?.experiment?.arms ?? []).map((a) => a.version);
  return { modelName, versions: [...new Set([loaded, ...arms])] };
}
