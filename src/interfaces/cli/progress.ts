import cliProgress from 'cli-progress';

/** A progress display for long work: a bar on a terminal, nothing when output is piped or in CI. */
export interface Progress {
  update(phase: string, done: number, total: number, unit?: 'bytes' | 'rows' | 'percent'): void;
  stop(): void;
}

/** Creates a progress bar on `stream` when enabled and a terminal; otherwise a silent no-op. */
export function createProgress(
  stream: { write(text: string): unknown; readonly isTTY?: boolean },
  enabled: boolean,
): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: ' {phase} |{bar}| {percentage}% {value}/{total} {unit}',
      hideCursor: true,
      clearOnComplete: true,
      stream: stream as NodeJS.WritableStream,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastPhase = '';
  return {
    update(phase, done, total, unit = 'bytes') {
      const scale = unit === 'bytes' ? 1 / (1024 * 1024) : 1;
      const payload = { phase: phase.padEnd(8), unit: { bytes: 'MB', rows: 'rows', percent: '%' }[unit] };
      const t = Math.max(1, Math.round(total * scale * 10) / 10);
      const v = Math.min(t, Math.round(done * scale * 10) / 10);
      if (!started) {
        bar.start(t, v, payload);
        started = true;
      } else if (phase !== lastPhase) {
        bar.setTotal(t);
        bar.update(v, payload);
      } else {
        bar.update(v, payload);
      }
      lastPhase = phase;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
