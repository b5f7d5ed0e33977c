import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { table, toJson } from '../format.js';

/** `sporeprint keys create|list|revoke`. */
export function registerKeysCommand(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys (stored hashed; the secret is shown once)');
  keys
    .command('create')
    .description('Create an API key')
    .requiredOption('--name <name>', 'what the key is for')
    .addOption(
      new Option('--role <role>', 'admin (registry actions) or predict')
        .choices(['admin', 'predict'])
        .default('predict'),
    )
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; role: 'admin' | 'predict'; json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const k = await services.keys.create({ name: opts.name, role: opts.role });
        ctx.stdout.write(
          opts.json
            ? toJson(k)
            : `Created ${k.role} key ${k.id} (${k.name}). Secret (shown once, store it now):\n${k.secret}\n`,
        );
      } finally {
        await services.close();
      }
    });
  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const services = await ctx.openServices();
      try {
        const list = await services.keys.list();
        ctx.stdout.write(
          opts.json
            ? toJson(list)
            : `${table([
                ['id', 'name', 'role', 'created', 'revoked', 'last used'],
                ...list.map((k) => [
                  k.id,
                  k.name,
                  k.role,
                  k.createdAt.toISOString(),
                  k.revokedAt?.toISOString() ?? '-',
                  k.lastUsedAt?.toISOString() ?? '-',
                ]),
              ])}\n`,
        );
      } finally {
        await services.close();
      }
    });
  keys
    .command('revoke')
    .description('Revoke an API key')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => {
      const services = await ctx.openServices();
      try {
        await services.keys.revoke(id);
        ctx.stdout.write(`Revoked ${id}.\n`);
      } finally {
        await services.close();
      }
    });
}
