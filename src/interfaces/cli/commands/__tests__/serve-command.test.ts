import { describe, expect, it } from 'vitest';
import type { CliContext, ServerHandle } from '../../context.js';
import { serveUntilSignal } from '../serve-command.js';

/** A fake server and CLI context recording each step of a serve. */
function recorder(drainSeconds: number) {
  const steps: string[] = [];
  let stop: (signal: string) => void = () => {};
  const server: ServerHandle = {
    url: 'http://127.0.0.1:1',
    drainSeconds,
    drain: async () => {
      steps.push('drain');
    },
    close: async () => {
      steps.push('close');
    },
  };
  const ctx = {
    stdout: { write: (t: string) => steps.push(`stdout:${t.split('\n')[0]}`) },
    stderr: { write: (t: string) => steps.push(`stderr:${t.trim()}`) },
    untilSignal: () => {
      steps.push('untilSignal');
      return new Promise<string>((resolve) => {
        stop = resolve;
      });
    },
    serve: async () => {
      steps.push('serve');
      return server;
    },
  } as unknown as CliContext;
  return { steps, ctx, stop: (signal: string) => stop(signal) };
}

const STOPPING = 'stopping (finishing in-flight requests, flushing the prediction log)…';

/**
 * The order of a serve's steps: the stop signal is listened for before the server starts, so that a
 * SIGTERM sent the moment the URL is printed (a process manager, a test) stops it gracefully instead of
 * killing it by the signal's default action (npm then dies by SIGTERM too). SIGTERM drains first.
 */
describe('serveUntilSignal', () => {
  it('listens for the stop signal before starting the server and printing its URL; SIGTERM drains, then closes', async () => {
    const r = recorder(5);
    const done = serveUntilSignal(r.ctx, {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.steps).toEqual([
      'untilSignal',
      'serve',
      'stdout:sporeprint API listening on http://127.0.0.1:1',
    ]);
    r.stop('SIGTERM');
    await done;
    expect(r.steps.slice(3)).toEqual([
      'stderr:SIGTERM: draining for 5 s (/health/ready answers 503 "draining"; requests are still answered)…',
      'drain',
      `stderr:SIGTERM: ${STOPPING}`,
      'close',
      'stderr:stopped',
    ]);
  });

  it('SIGINT (Ctrl-C) and a drain of 0 s stop without draining', async () => {
    for (const [signal, seconds] of [
      ['SIGINT', 5],
      ['SIGTERM', 0],
    ] as const) {
      const r = recorder(seconds);
      const done = serveUntilSignal(r.ctx, {});
      await new Promise((resolve) => setImmediate(resolve));
      r.stop(signal);
      await done;
      expect(r.steps.slice(3), `${signal} ${seconds}`).toEqual([
        `stderr:${signal}: ${STOPPING}`,
        'close',
        'stderr:stopped',
      ]);
    }
  });
});
