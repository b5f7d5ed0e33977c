/** Pipeline runs as `GET /v1/pipelines/runs…` answer them (the fields the pages show). */

/** A run as `GET /v1/pipelines/runs` lists it. */
export interface RunRecord {
  id: string;
  pipeline: string;
  state: string;
  triggerKind: string;
  executor: string;
  pausedReason: string | null;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  plan?: { tasks: { id: string; kind: string; dependsOn: string[] }[] };
}
/** A task of a run. */
export interface TaskRecord {
  taskId: string;
  kind: string;
  state: string;
  attempt: number;
  maxAttempts: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  progress: number | null;
  progressNote: string | null;
  error: string | null;
}
