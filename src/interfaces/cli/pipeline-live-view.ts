import type { PipelineRunView, PipelineTaskRecord } from '../../services/index.js';
import { taskStateText } from './render-pipelines.js';

/** What `pipeline run` shows on stderr while it waits. */
export interface LiveView {
  update(view: PipelineRunView): void;
  stop(): void;
}

const BAR = 20;
const MARK: Readonly<Record<string, string>> = {
  succeeded: '✓',
  failed: '✗',
  upstream_failed: '-',
  cancelled: '-',
  running: '▶',
  retrying: '↻',
  queued: '·',
  pending: ' ',
};

function bar(fraction: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * BAR);
  return `|${'█'.repeat(full)}${'░'.repeat(BAR - full)}|`;
}

function line(t: PipelineTaskRecord, width: number): string {
  const name = t.taskId.padEnd(width);
  if (t.state === 'running' && t.progress !== null) {
    return ` ${MARK.running} ${name} ${bar(t.progress)} ${Math.round(100 * t.progress)}%${t.progressNote ? ` ${t.progressNote}` : ''}`;
  }
  const took =
    t.durationMs !== null && t.state === 'succeeded' ? ` ${(t.durationMs / 1000).toFixed(1)} s` : '';
  return ` ${MARK[t.state] ?? ' '} ${name} ${taskStateText(t)}${took}`;
}

/**
 * On a terminal (and with progress on): the run's tasks redrawn in place, a bar for each running task
 * that reports progress. Otherwise: one line per task state change (logs, CI).
 */
export function createLiveView(
  stream: { write(text: string): unknown; readonly isTTY?: boolean },
  enabled: boolean,
): LiveView {
  if (enabled && stream.isTTY) {
    let drawn = 0;
    return {
      update(view) {
        const width = Math.max(...view.tasks.map((t) => t.taskId.length));
        const took = ((Date.now() - view.run.createdAt.getTime()) / 1000).toFixed(0);
        const lines = [
          `${view.run.pipeline} ${view.run.id}: ${view.run.state} (${took} s)${view.run.pausedReason ? ` — ${view.run.pausedReason}` : ''}`,
          ...view.tasks.map((t) => line(t, width)),
        ];
        stream.write(`${drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''}${lines.join('\n')}\n`);
        drawn = lines.length;
      },
      stop() {
        drawn = 0;
      },
    };
  }
  const seen = new Map<string, string>();
  return {
    update(view) {
      for (const t of view.tasks) {
        const key = `${t.state}#${t.attempt}`;
        if (seen.get(t.taskId) === key) continue;
        seen.set(t.taskId, key);
        if (t.state === 'pending') continue;
        stream.write(
          `${t.taskId}: ${t.state}${t.attempt > 1 ? ` (attempt ${t.attempt})` : ''}${t.error && t.state !== 'succeeded' ? `: ${t.error}` : ''}\n`,
        );
      }
    },
    stop() {},
  };
}
