import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

interface Listing {
  rules: { name: string; threshold: number; action?: string }[];
  alerts: unknown[];
  silences: { id: string; status: string; matchersText: string[]; createdBy: string; comment: string }[];
}

describe('sporeprint alerts (CLI)', () => {
  const files = tempFiles();
  const env = { DATABASE_URL: `sqlite:${join(files.dir, 'alerts.sqlite')}` };
  const list = async (e: Record<string, string> = env) =>
    JSON.parse((await runCli(['alerts', 'list', '--json'], e)).stdout) as Listing;

  it('lists rules, silences with --actor and a comment, unsilences; bad input exits non-zero and changes nothing', async () => {
    const empty = await runCli(['alerts', 'list'], env);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('No alerts');
    expect(empty.stdout).toMatch(/dataset_drift\s+dataset_drift_share >= 0.5/);
    const created = await runCli(
      [
        'alerts',
        'silence',
        '--matcher',
        'alertname=dataset_drift',
        '--matcher',
        'severity=~"warn.*"',
        '--duration',
        '2h',
        '--comment',
        'retraining',
        '--actor',
        'alice',
        '--json',
      ],
      env,
    );
    expect(created.code).toBe(0);
    const silence = JSON.parse(created.stdout) as {
      id: string;
      status: string;
      startsAt: string;
      endsAt: string;
    };
    expect(silence.status).toBe('active');
    expect(Date.parse(silence.endsAt) - Date.parse(silence.startsAt)).toBe(2 * 3_600_000);
    expect((await list()).silences).toMatchObject([
      {
        id: silence.id,
        status: 'active',
        matchersText: ['alertname="dataset_drift"', 'severity=~"warn.*"'],
        createdBy: 'alice',
        comment: 'retraining',
      },
    ]);
    const human = await runCli(['alerts', 'list'], env);
    expect(human.stdout).toContain(silence.id);

    for (const [args, code, message] of [
      [
        ['--matcher', 'alertname:dataset_drift', '--duration', '2h', '--comment', 'x'],
        2,
        /Matcher "alertname:dataset_drift" is invalid/,
      ],
      [['--matcher', 'alertname=~"(x"', '--duration', '2h', '--comment', 'x'], 2, /bad regular expression/],
      [
        ['--matcher', 'alertname=~".*"', '--duration', '2h', '--comment', 'x'],
        2,
        /would silence every alert/,
      ],
      [
        ['--matcher', 'alertname=x', '--duration', '-2h', '--comment', 'x'],
        2,
        /expected a positive duration .* got '-2h'/,
      ],
      [['--matcher', 'alertname=x', '--duration', '0', '--comment', 'x'], 2, /positive duration/],
      [['--matcher', 'alertname=x', '--duration', '2h'], 2, /--comment/],
      [['--duration', '2h', '--comment', 'x'], 2, /--matcher/],
      [['--matcher', 'alertname=x', '--duration', '2h', '--comment', ' '], 2, /comment/],
    ] as const) {
      const r = await runCli(['alerts', 'silence', ...args], env);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
    }
    expect((await list()).silences).toHaveLength(1);

    const unknown = await runCli(['alerts', 'unsilence', '6f1e2d3c-0000-4000-8000-000000000009'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/SP_ERR_NOT_FOUND.*does not exist/);
    const malformed = await runCli(['alerts', 'unsilence', 'nope'], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/Silence id "nope" is invalid/);
    const ended = await runCli(['alerts', 'unsilence', silence.id, '--actor', 'bob'], env);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toMatch(new RegExp(`Ended silence ${silence.id}`));
    expect((await list()).silences[0].status).toBe('expired');
    const again = await runCli(['alerts', 'unsilence', silence.id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/SP_ERR_CONFLICT.*already expired/);
  });

  it('applies configured rules; a rule that does not hold together is a configuration error (exit 2)', async () => {
    const good = join(files.dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ alerts: { rules: [{ name: 'dataset_drift', threshold: 0.3, action: 'retrain' }] } }),
    );
    const rules = (await list({ ...env, SPOREPRINT_CONFIG: good })).rules;
    expect(rules.find((r) => r.name === 'dataset_drift')).toMatchObject({
      threshold: 0.3,
      action: 'retrain',
    });
    const bad = join(files.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ alerts: { rules: [{ name: 'my_rule', threshold: 1 }] } }));
    const r = await runCli(['alerts', 'list'], { ...env, SPOREPRINT_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /SP_ERR_CONFIG.*alerts\.rules\.0: my_rule is not a default rule .* so it needs metric, comparison/,
    );
    const badEnv = await runCli(['alerts', 'list'], { ...env, SPOREPRINT_ALERT_REPEAT_INTERVAL: 'soon' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/alerts\.repeatInterval \(SPOREPRINT_ALERT_REPEAT_INTERVAL\)/);
  });
});
