import type { CliContext, CliServices } from './context.js';

/** Opens the services, runs `fn`, writes what it returns to stdout, and closes them (also on error). */
export async function withServices(ctx: CliContext, fn: (s: CliServices) => Promise<string>): Promise<void> {
  const services = await ctx.openServices();
  try {
    ctx.stdout.write(await fn(services));
  } finally {
    await services.close();
  }
}
