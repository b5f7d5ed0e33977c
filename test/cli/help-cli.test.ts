import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

/** `sporeprint --help` describes what exists, nothing that is still to come. */
describe('sporeprint --help', () => {
  it('names the parts that are built and promises none that are not', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' '); // commander wraps at the terminal width
    expect(text).toContain(
      'ETL, training, a model registry with a quality gate, an HTTP API that logs every prediction, A/B experiments, monitoring (drift, performance, alerts), and pipelines (the retraining loop as a DAG of tasks, retried and resumable)',
    );
    for (const notYet of [/orchestrat/i, /dashboard/i]) {
      expect(r.stdout).not.toMatch(notYet);
    }
    for (const command of [
      'start',
      'etl',
      'datasets',
      'db',
      'train',
      'runs',
      'serve',
      'keys',
      'models',
      'experiments',
      'alerts',
      'monitor',
      'pipeline',
      'worker',
      'scheduler',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${command}\\b`));
    }
  });
});
