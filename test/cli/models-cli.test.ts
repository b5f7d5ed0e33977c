import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/index.js';
import { CLASSIC } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

/** `sporeprint models …` and `train --register` end to end, as a user runs them (SQLite). */
describe('sporeprint models (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-models-cli-'));
  const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, SPOREPRINT_VAR_DIR: dir };
  const cli = (...args: string[]) => runCli(args, env);
  const name = 'sporeprint-classic';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const etl = await cli('etl', '--source', CLASSIC, '--json');
    expect(etl.code, etl.stderr).toBe(0);
    const train = await cli('train', '--models', 'lr,dt', '--register', '--actor', 'trainer', '--json');
    expect(train.code, train.stderr).toBe(0);
    const out = JSON.parse(train.stdout) as {
      registered: { modelName: string; version: number; author: string }[];
    };
    expect(out.registered.map((v) => [v.modelName, v.version, v.author])).toEqual([
      [name, 1, 'trainer'],
      [name, 2, 'trainer'],
    ]);
    // each registered version got its monitoring reference profile at registration
    const storage = await openStorage(env.DATABASE_URL);
    try {
      for (const v of [1, 2]) {
        const p = JSON.parse((await storage.monitoring.getProfile(name, v))?.profile ?? 'null') as {
          modelVersion: number;
          rows: number;
        } | null;
        expect(p?.modelVersion).toBe(v);
        expect(p?.rows).toBeGreaterThan(0);
      }
    } finally {
      await storage.close();
    }
    const params = join(dir, 'poor.json');
    writeFileSync(params, JSON.stringify({ lr: { C: 1e-4 } }));
    const poor = await cli('train', '--models', 'lr', '--params', params, '--register');
    expect(poor.code, poor.stderr).toBe(0);
    expect(poor.stdout).toContain(`Registered ${name} v3 (logistic-regression`);
  }, 400_000);

  it('promotes through the gate, blocks a poor model with the failed rules, and rolls back', async () => {
    const p1 = await cli('models', 'promote', name, '1', '--actor', 'alice', '--reason', 'first');
    expect(p1.code, p1.stderr).toBe(0);
    expect(p1.stdout).toMatch(/Quality gate for v1 .*: PASSED/);
    expect(p1.stdout).toMatch(/min-recall\s+pass\s+recall 1\.0000 ≥ minimum 0\.9990/);
    expect(p1.stdout).toContain(`Promoted ${name} v1 → Production`);

    const p2 = await cli('models', 'promote', name, '2', '--actor', 'bob');
    expect(p2.code, p2.stderr).toBe(0);
    expect(p2.stdout).toContain('against Production v1: PASSED');
    expect(p2.stdout).toContain(`Promoted ${name} v2 → Production (v1 archived)`);

    const blocked = await cli('models', 'promote', name, '3', '--actor', 'carol');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/min-accuracy\s+FAIL\s+accuracy 0\.\d{4} < minimum 0\.9900/);
    expect(blocked.stderr).toMatch(
      /error \[SP_ERR_QUALITY_GATE\]: Quality gate blocked promoting sporeprint-classic v3/,
    );
    expect(blocked.stderr).toMatch(/min-recall: recall 0\.\d{4} < minimum 0\.9990/);

    const noReason = await cli('models', 'promote', name, '3', '--force');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('error [SP_ERR_USAGE]: --force needs --reason');

    const forced = await cli(
      'models',
      'promote',
      name,
      '3',
      '--force',
      '--reason',
      'demo override',
      '--actor',
      'dave',
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`FORCED: Promoted ${name} v3 → Production (v2 archived)`);

    const rb = await cli('models', 'rollback', name, '--reason', 'bad model', '--actor', 'erin');
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toContain(`Rolled back to ${name} v2 → Production (v3 archived)`);

    const history = await cli('models', 'history', name);
    expect(history.code, history.stderr).toBe(0);
    for (const s of ['alice', 'bob', 'dave', 'erin', 'rolled-back', 'FORCED', 'demo override', 'bad model'])
      expect(history.stdout).toContain(s);
    const json = JSON.parse((await cli('models', 'history', name, '--json')).stdout) as {
      event: string;
      forced: boolean;
      actor: string;
    }[];
    expect(json.filter((e) => e.forced).map((e) => e.actor)).toEqual(['dave']);
    expect(json.at(-1)?.event).toBe('rolled-back');

    const at = await cli('models', 'history', name, '--at', new Date().toISOString(), '--json');
    expect(JSON.parse(at.stdout)).toMatchObject({ productionVersion: 2 });

    const list = await cli('models', 'list');
    expect(list.stdout).toMatch(/sporeprint-classic\s+v3\s+v2/);

    const cmp = await cli('models', 'compare', name, '2', '3');
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toMatch(/Decisions disagree on \d+ of 1,218 rows/);
  }, 400_000);

  it('reports unknown models and versions, and archived versions, with exit code 1', async () => {
    const unknown = await cli('models', 'promote', 'nope', '1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error [SP_ERR_NOT_FOUND]: Model nope is not registered');
    const noVersion = await cli('models', 'show', name, '--version', '42');
    expect(noVersion.code).toBe(1);
    expect(noVersion.stderr).toContain(`error [SP_ERR_NOT_FOUND]: Model ${name} has no version 42`);
    const archived = await cli('models', 'promote', name, '1');
    expect(archived.code).toBe(1);
    expect(archived.stderr).toContain(
      'error [SP_ERR_REGISTRY_STATE]: Version 1 of model sporeprint-classic is Archived',
    );
    const bad = await cli('models', 'promote', name, 'x');
    expect(bad.code).toBe(2);
    // a name no model could have is a usage error, not an unknown model
    for (const args of [
      ['models', 'verify', 'bad name!'],
      ['models', 'show', '../etc'],
    ]) {
      const malformed = await cli(...args);
      expect(malformed.code, malformed.stderr).toBe(2);
      expect(malformed.stderr).toMatch(/error \[SP_ERR_BAD_PARAM\]: Model name ".*" is invalid/);
    }
  }, 300_000);

  it('refuses to archive the Production version unless --force --reason, and records the forced archive', async () => {
    const state = async () => {
      const [show, history] = await Promise.all([
        cli('models', 'show', name, '--json'),
        cli('models', 'history', name, '--json'),
      ]);
      return { show: show.stdout, history: history.stdout };
    };
    const before = await state();
    const production = (JSON.parse(before.show) as { model: { productionVersion: number } }).model
      .productionVersion;
    expect(production).toBe(2);

    const refused = await cli('models', 'archive', name, '2', '--reason', 'retire');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      'error [SP_ERR_REGISTRY_STATE]: Version 2 of model sporeprint-classic is in Production: moving it to Archived',
    );
    expect(refused.stderr).toContain('Promote another version first');
    expect(refused.stderr).toContain('--force --reason');

    const noReason = await cli('models', 'archive', name, '2', '--force');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('error [SP_ERR_USAGE]: --force needs --reason');

    const staging = await cli('models', 'promote', name, '2', '--stage', 'staging');
    expect(staging.code).toBe(1);
    expect(staging.stderr).toContain('error [SP_ERR_REGISTRY_STATE]');
    expect(await state()).toEqual(before); // the refusals changed nothing

    const forced = await cli(
      'models',
      'archive',
      name,
      '2',
      '--force',
      '--reason',
      'recall incident',
      '--actor',
      'frank',
    );
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`FORCED: Archived ${name} v2`);
    const history = JSON.parse((await cli('models', 'history', name, '--json')).stdout) as {
      version: number;
      fromStage: string;
      toStage: string;
      forced: boolean;
      reason: string;
      actor: string;
    }[];
    expect(history.at(-1)).toMatchObject({
      version: 2,
      fromStage: 'Production',
      toStage: 'Archived',
      forced: true,
      reason: 'recall incident',
      actor: 'frank',
    });
    const list = await cli('models', 'list');
    expect(list.stdout).toMatch(/sporeprint-classic\s+v3\s+-/);
  }, 300_000);
});
