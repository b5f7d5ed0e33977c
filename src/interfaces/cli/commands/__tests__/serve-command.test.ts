import { describe, expect, it } from 'vitest';
import type { CliContext, ServerHandle } from '../../context.js';
import { serveUntilSignal } from '../serve-command.js';

/**
 * The order of a serve's steps: the stop signal is listened for before the server starts, so that a
 * SIGTERM sent the moment the URL is printed (a process manager, a test) stops it gracefully instead of
 * killing it by the signal's default action (npm then dies by SIGTERM too).
 */
describe('serveUntilSignal', () => {
  it('listens for the stop signal before starting the server and printing its URL, then closes it', async () => {
    const steps: string[] = [];
    let stop: (signal: string) => void = () => {};
    const server: ServerHandle = {
      url: 'http://127.0.0.1:1',
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
    const done = serveUntilSignal(ctx, {});
    await new Promise((r) => setImmediate(r));
    expect(steps).toEqual(['untilSignal', 'serve', 'stdout:sporeprint API listening on http://127.0.0.1:1']);
    stop('SIGTERM');
    await done;
    expect(steps.slice(3)).toEqual([
      'stderr:SIGTERM: stopping (finishing in-flight requests, flushing the prediction log)…',
      'close',
      'stderr:stopped',
    ]);
  });
});
