import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASSIC, SECONDARY, secondaryLines, tempFiles } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

describe('sporeprint etl / datasets / db (CLI)', () => {
  const files = tempFiles();
  const db = `sqlite:${join(files.dir, 'cli.sqlite')}`;
  const env = { DATABASE_URL: db };

  it('migrates, loads with --json, lists and shows', async () => {
    const m = await runCli(['db', 'migrate'], env);
    expect(m.code).toBe(0);
    const etl = await runCli(['etl', '--source', CLASSIC, '--json'], env);
    expect(etl.stderr).toBe('');
    expect(etl.code).toBe(0);
    const summary = JSON.parse(etl.stdout) as { status: string; datasetId: string; rows: { valid: number } };
    expect(summary).toMatchObject({ status: 'created', rows: { valid: 8124 } });
    const again = await runCli(['etl', '--source', CLASSIC], env);
    expect(again.stdout).toMatch(/unchanged: already loaded/);
    const list = await runCli(['datasets', 'list', '--json'], env);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((v) => v.id)).toEqual([summary.datasetId]);
    const show = await runCli(['datasets', 'show', summary.datasetId], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/poisonous \(p\)\s+2,741\s+588\s+587\s+3,916/);
    const status = await runCli(['db', 'status', '--json'], env);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ name: '0001-etl-datasets' });
  });

  it('exits non-zero with the error code and a message naming the problem', async () => {
    const empty = files.write('empty.csv', '');
    const r = await runCli(['etl', '--source', empty], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[SP_ERR_INPUT_EMPTY\]: .*empty/);
    expect(r.stdout).toBe('');
    const missing = await runCli(['etl', '--source', join(files.dir, 'nope.csv')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/SP_ERR_NOT_FOUND.*nope\.csv/);
    const unknown = await runCli(['datasets', 'show', 'ds-0000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no dataset version 'ds-0000'/);
  });

  it('rejects bad options and configuration with usage exit code 2', async () => {
    const seed = await runCli(['etl', '--source', SECONDARY, '--seed', '-3'], env);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/--seed.*non-negative integer/);
    const split = await runCli(['etl', '--source', SECONDARY, '--split', 'random'], env);
    expect(split.code).toBe(2);
    expect(split.stderr).toMatch(/Allowed choices are stratified, species/);
    const threshold = await runCli(['etl', '--source', SECONDARY, '--invalid-threshold', '2'], env);
    expect(threshold.code).toBe(2);
    const noSource = await runCli(['etl'], env);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/--source/);
    const badConfig = await runCli(['datasets', 'list'], { SPOREPRINT_INVALID_THRESHOLD: 'abc' });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/SPOREPRINT_INVALID_THRESHOLD/);
    // a misspelt setting is named on stderr with the one it likely meant; the command still runs
    const typo = await runCli(['datasets', 'list'], {
      ...env,
      SPOREPRINT_DRAIN_SECOND: '10',
      SPOREPRINT_NO_SUCH_THING: '1',
    });
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stderr).toContain(
      'warning: SPOREPRINT_DRAIN_SECOND is not a sporeprint setting (did you mean SPOREPRINT_DRAIN_SECONDS?): it is ignored',
    );
    expect(typo.stderr).toContain(
      'warning: SPOREPRINT_NO_SUCH_THING is not a sporeprint setting: it is ignored',
    );
    const badUrl = await runCli(['datasets', 'list'], { DATABASE_URL: 'postgres://x@y/z' });
    expect(badUrl.code).toBe(2); // a configuration error, as a bad setting
    expect(badUrl.stderr).toMatch(/SP_ERR_CONFIG/);
  });

  it('refuses --ratios that do not sum to 100, leave a split empty or are not three numbers (exit 2, nothing stored)', async () => {
    const fresh = { DATABASE_URL: `sqlite:${join(files.dir, 'ratios.sqlite')}` };
    const cases: [string, RegExp][] = [
      ['90/20/10', /must sum to 100, got 90 \+ 20 \+ 10 = 120/],
      ['100/0/0', /every split needs a share above 0, validation and test are 0/],
      ['80/20/0', /every split needs a share above 0, test is 0/],
      ['70/30', /expected three percentages train\/validation\/test like 70\/15\/15, got 2 parts/],
      ['-10/60/50', /'-10' is not a non-negative number/],
      ['70/x/15', /'x' is not a non-negative number/],
    ];
    for (const [ratios, message] of cases) {
      const r = await runCli(['etl', '--source', CLASSIC, '--ratios', ratios], fresh);
      expect(r.code, `${ratios}: ${r.stderr}`).toBe(2);
      expect(r.stderr, ratios).toContain(
        `option '--ratios <train/val/test>' argument '${ratios}' is invalid`,
      );
      expect(r.stderr, ratios).toMatch(message);
      expect(r.stdout).toBe('');
    }
    const list = await runCli(['datasets', 'list', '--json'], fresh);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    // Percentages that sum to 100 (with decimals, or `,` as separator) load as given, not rescaled.
    const ok = await runCli(['etl', '--source', CLASSIC, '--ratios', '33.3,33.3,33.4', '--json'], fresh);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ratios: { train: 0.333, validation: 0.333, test: 0.334 } });
  });

  it('fails past the threshold without loading anything (exit 1)', async () => {
    const lines = secondaryLines().slice(0, 101);
    for (let i = 1; i <= 3; i++) lines[i] = lines[i].replace(/^p;[^;]*;/, 'p;16.cze;');
    const path = files.write('bad.csv', `${lines.join('\n')}\n`);
    const r = await runCli(['etl', '--source', path], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SP_ERR_INVALID_SHARE.*3 of 100 rows.*line 2 column cap-diameter/);
    const list = await runCli(['datasets', 'list', '--json'], env);
    expect((JSON.parse(list.stdout) as { fileName: string }[]).some((v) => v.fileName === 'bad.csv')).toBe(
      false,
    );
  });
});
