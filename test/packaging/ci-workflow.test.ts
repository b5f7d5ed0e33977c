import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<
    string,
    {
      readonly 'runs-on': string;
      readonly services?: Record<string, { readonly image: string }>;
      readonly steps: readonly {
        readonly uses?: string;
        readonly run?: string;
        readonly with?: Record<string, unknown>;
      }[];
    }
  >;
}

const workflow = parse(readFileSync(`${ROOT}.github/workflows/ci.yml`, 'utf8')) as Workflow;

describe('.github/workflows/ci.yml', () => {
  it('runs on push and pull requests', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('runs .ci/run on ubuntu-latest with Node 20, MariaDB and Redis', () => {
    const job = workflow.jobs.test;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.services?.mariadb?.image).toMatch(/^mariadb:/);
    expect(job.services?.redis?.image).toMatch(/^redis:/);
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    const last = job.steps[job.steps.length - 1];
    expect(last.run).toMatch(/\bbash \.ci\/run$/);
    expect(existsSync(`${ROOT}.ci/run`)).toBe(true);
  });

  it('builds the image and runs every role from it on MariaDB and Redis (deploy/image-smoke.sh)', () => {
    const job = workflow.jobs.image;
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.services?.mariadb?.image).toMatch(/^mariadb:/);
    expect(job.services?.redis?.image).toMatch(/^redis:/);
    const last = job.steps[job.steps.length - 1];
    expect(last.run).toBe('bash deploy/image-smoke.sh');
  });

  it('runs compose.yaml and checks it through HAProxy (deploy/compose-smoke.sh)', () => {
    const job = workflow.jobs.compose;
    expect(job['runs-on']).toBe('ubuntu-latest');
    const last = job.steps[job.steps.length - 1];
    expect(last.run).toBe('bash deploy/compose-smoke.sh');
  });

  it('has no other job', () => {
    expect(Object.keys(workflow.jobs).sort()).toEqual(['compose', 'image', 'test']);
  });
});

describe('the deployment smoke scripts', () => {
  for (const script of ['deploy/image-smoke.sh', 'deploy/compose-smoke.sh']) {
    it(`${script} is valid bash that stops at the first failure`, () => {
      const text = readFileSync(`${ROOT}${script}`, 'utf8');
      expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(text).toContain('set -euo pipefail');
      const r = spawnSync('bash', ['-n', `${ROOT}${script}`], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('image-smoke.sh names a missing container engine and exits non-zero', () => {
    const r = spawnSync('bash', [`${ROOT}deploy/image-smoke.sh`], {
      encoding: 'utf8',
      env: { ...process.env, ENGINE: 'no-such-engine-sporeprint', SKIP_BUILD: '1' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no container engine: no-such-engine-sporeprint not found');
  });
});
