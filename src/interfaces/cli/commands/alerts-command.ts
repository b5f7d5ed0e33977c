import { type Command, InvalidArgumentError } from 'commander';
import { isDuration, type SilenceView } from '../../../services/index.js';
import type { CliContext } from '../context.js';
import { toJson } from '../format.js';
import { renderAlertListing } from '../render-alerts.js';
import { withServices } from '../with-services.js';

const collect = (value: string, acc: string[] = []): string[] => [...acc, value];

function durationArg(value: string): string {
  if (!isDuration(value) || /^0+[a-z]*$/.test(value)) {
    throw new InvalidArgumentError(`expected a positive duration such as 30m, 2h or 1d12h, got '${value}'`);
  }
  return value;
}

const silenceLine = (verb: string, s: SilenceView): string =>
  `${verb} silence ${s.id} (${s.matchersText.join(', ')}) ${s.status === 'expired' ? 'ended' : 'until'} ${s.endsAt.toISOString()}.\n`;

/** `sporeprint alerts list|silence|unsilence`. */
export function registerAlertsCommand(program: Command, ctx: CliContext): void {
  const alerts = program
    .command('alerts')
    .description('Alerts (Prometheus/Alertmanager semantics) and their silences');
  alerts
    .command('list')
    .description('Rules, current alerts (pending, firing, resolved) and silences')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withServices(ctx, async (s) => {
        const listing = await s.alerts.list();
        return opts.json ? toJson(listing) : renderAlertListing(listing);
      }),
    );
  alerts
    .command('silence')
    .description('Mute notifications (and actions) of the alerts matching every matcher, for a while')
    .requiredOption(
      '--matcher <matcher>',
      'label=value, label!=value, label=~regex or label!~regex (repeatable; all must match)',
      collect,
    )
    .requiredOption('--duration <duration>', 'how long, e.g. 2h or 1d12h', durationArg)
    .requiredOption('--comment <text>', 'why (recorded)')
    .option('--actor <who>', 'who (default: the OS user name)')
    .option('--json', 'print JSON')
    .action(
      (opts: { matcher: string[]; duration: string; comment: string; actor?: string; json?: boolean }) =>
        withServices(ctx, async (s) => {
          const created = await s.alerts.silence({
            matchers: opts.matcher,
            duration: opts.duration,
            comment: opts.comment,
            createdBy: opts.actor ?? ctx.defaultActor(),
          });
          return opts.json ? toJson(created) : silenceLine('Created', created);
        }),
    );
  alerts
    .command('unsilence')
    .description('End a silence now')
    .argument('<id>', 'silence id (see alerts list)')
    .option('--actor <who>', 'who (default: the OS user name)')
    .option('--json', 'print JSON')
    .action((id: string, opts: { actor?: string; json?: boolean }) =>
      withServices(ctx, async (s) => {
        const expired = await s.alerts.unsilence(id, opts.actor ?? ctx.defaultActor());
        return opts.json ? toJson(expired) : silenceLine('Ended', expired);
      }),
    );
}
