/**
 * The server's monitoring-check thread (started by `MonitorCheckWorker`, never imported): its own
 * storage connection to the server's database (SQLite in WAL mode reads while the serving thread's
 * connections write; its one write, a version's reference profile built on first use, waits through
 * the busy timeout here, not on the thread that answers requests) computes each window's drift and
 * performance and replies with the result.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { isSporeprintError } from '../core/index.js';
import { MonitoringService, RegistryService } from '../services/index.js';
import { createInProcessEventBus, openStorage, type Storage } from '../storage/index.js';
import {
  type CheckAnswers,
  type CheckReply,
  type CheckRequest,
  type CheckThreadData,
  CLOSE_THREAD,
  type ThreadError,
} from './monitor-check-messages.js';
import { registryServiceDeps } from './registry-deps.js';

const port = parentPort;
if (port === null) throw new Error('monitor-check-thread runs as a worker thread (see MonitorCheckWorker)');
const { config } = workerData as CheckThreadData;
lowerThisThreadsPriority(config.monitoring.checkNice);

/**
 * On Linux a nice value belongs to a thread, and `setpriority(PRIO_PROCESS, 0, n)` (Node's
 * `os.setPriority(0, n)`) sets the calling thread's only: the check then takes the CPU the serving
 * thread leaves, where at nice 0 the kernel shares a busy core between them equally. Elsewhere the same
 * call would lower the whole process, so it is made on Linux only. A nice value can always be raised
 * without privileges; a failure leaves the thread as it was.
 */
function lowerThisThreadsPriority(nice: number): void {
  if (process.platform !== 'linux' || nice === 0) return;
  try {
    setPriority(0, nice);
  } catch {
    // a sandbox that forbids setpriority: the check runs at the server's priority
  }
}

interface ThreadServices {
  readonly storage: Storage;
  readonly monitoring: MonitoringService;
}

/** Opens storage and the services (no migrations: the server ran them); again after a failed open. */
let opening: Promise<ThreadServices> | null = null;
function services(): Promise<ThreadServices> {
  opening ??= (async () => {
    // two connections at most on MySQL: the checks run one at a time
    const storage = await openStorage(config.databaseUrl, { migrate: false, poolSize: 2 });
    // the registry is only read here (which version is in Production, its pipeline): no events
    const registry = new RegistryService(registryServiceDeps(storage, config, createInProcessEventBus()));
    const monitoring = new MonitoringService({
      monitoring: storage.monitoring,
      datasets: storage.datasets,
      registry,
      experiments: storage.experiments,
    });
    return { storage, monitoring };
  })().catch((e: unknown) => {
    opening = null;
    throw e;
  });
  return opening;
}

async function answer(r: CheckRequest): Promise<CheckAnswers[keyof CheckAnswers]> {
  const s = await services();
  switch (r.kind) {
    case 'figures':
      return s.monitoring.figures(r.query, r.settings);
  }
}

function threadError(e: unknown): ThreadError {
  if (isSporeprintError(e)) return { message: e.message, code: e.code, details: e.details };
  return { message: e instanceof Error ? e.message : String(e) };
}

port.on('message', (m: CheckRequest | typeof CLOSE_THREAD) => {
  if (m === CLOSE_THREAD) {
    const open = opening;
    opening = null;
    void (open ?? Promise.resolve(null))
      .then((s) => s?.storage.close())
      .catch(() => undefined)
      .finally(() => port.close());
    return;
  }
  answer(m).then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies CheckReply),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: threadError(e) } satisfies CheckReply),
  );
});
