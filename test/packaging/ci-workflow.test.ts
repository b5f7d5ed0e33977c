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
    const jobs = Object.values(workflow.jobs);
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job['runs-on']).toBe('ubuntu-latest');
    expect(job.services?.mariadb?.image).toMatch(/^mariadb:/);
    expect(job.services?.redis?.image).toMatch(/^redis:/);
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    const last = job.steps[job.steps.length - 1];
    expect(last.run).toMatch(/\bbash \.ci\/run$/);
    expect(existsSync(`${ROOT}.ci/run`)).toBe(true);
  });
});
