import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context.js';

function parsePort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535)
    throw new InvalidArgumentError(`expected a port number 0–65535, got '${v}'`);
  return Number(v);
}

/** Prints the server's URLs. */
export function printUrls(ctx: CliContext, url: string): void {
  ctx.stdout.write(
    [
      `sporeprint API listening on ${url}`,
      `  predict   POST ${url}/v1/predict`,
      `  docs      ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
      `  health    ${url}/health/ready   metrics: ${url}/metrics`,
      '',
    ].join('\n'),
  );
}

/**
 * Serves until SIGTERM/SIGINT, then stops gracefully (in-flight requests finish, the log is flushed).
 * SIGTERM (what Docker, Kubernetes and systemd send) first drains for `drainSeconds`: readiness fails
 * while requests are still answered, so that health checks take the replica out of rotation before
 * it stops accepting. SIGINT (Ctrl-C in a terminal: no load balancer to tell) stops at once.
 */
export async function serveUntilSignal(
  ctx: CliContext,
  opts: { port?: number; host?: string },
): Promise<void> {
  // Listen for the stop signal before anyone can learn the URL: a SIGTERM sent the moment the URL is
  // printed must stop the server gracefully, not kill it by the signal's default action.
  const stopSignal = ctx.untilSignal();
  const server = await ctx.serve(opts);
  printUrls(ctx, server.url);
  const signal = await stopSignal;
  if (signal === 'SIGTERM' && server.drainSeconds > 0) {
    ctx.stderr.write(
      `${signal}: draining for ${server.drainSeconds} s (/health/ready answers 503 "draining"; requests are still answered)…\n`,
    );
    await server.drain();
  }
  ctx.stderr.write(`${signal}: stopping (finishing in-flight requests, flushing the prediction log)…\n`);
  await server.close();
  ctx.stderr.write('stopped\n');
}

/** `sporeprint serve`. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('Serve the Production model over HTTP (see /docs)')
    .option('--port <port>', 'port (default from config: 8080)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      await serveUntilSignal(ctx, opts);
    });
}
