import { describe, expect, it } from 'vitest';
import { bullmqJobId, checkTaskJob, redactRedisUrl } from '../bullmq-connection.js';

describe('BullMQ job ids and payloads', () => {
  const runId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

  it('names one attempt of one task runId.taskId.attempt, never with a ":" nor an integer', () => {
    const id = bullmqJobId({ runId, taskId: 'train-decision-tree', attempt: 3 });
    expect(id).toBe(`${runId}.train-decision-tree.3`);
    expect(id).not.toContain(':');
    expect(bullmqJobId({ runId: '7', taskId: '8', attempt: 9 })).toBe('7.8.9');
  });

  it('gives back a valid task job and names the first bad field of an invalid one', () => {
    expect(checkTaskJob({ runId, taskId: 'etl', attempt: 1 })).toEqual({ runId, taskId: 'etl', attempt: 1 });
    expect(() => checkTaskJob(null)).toThrow(/Invalid task job: .*expected \{runId, taskId, attempt ≥ 1\}/);
    expect(() => checkTaskJob({ runId, taskId: 'ETL', attempt: 1 }, 'job 7')).toThrow(
      /Invalid job 7 at \/taskId/,
    );
    expect(() => checkTaskJob({ runId: '', taskId: 'etl', attempt: 1 })).toThrow(/at \/runId/);
  });

  it('hides the password of a Redis URL', () => {
    expect(redactRedisUrl('redis://user:s3cret@host:6379/2')).toBe('redis://user:***@host:6379/2');
    expect(redactRedisUrl('redis://:s3cret@host')).toBe('redis://:***@host');
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
