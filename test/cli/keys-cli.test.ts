import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from '../helpers/fixture-files.js';
import { runCli } from '../helpers/run-cli.js';

describe('sporeprint keys (CLI)', () => {
  const files = tempFiles();
  const env = { DATABASE_URL: `sqlite:${join(files.dir, 'keys.sqlite')}` };

  it('creates a key showing its secret once, lists without secrets, revokes', async () => {
    const c = await runCli(['keys', 'create', '--name', 'forager-app', '--role', 'predict', '--json'], env);
    expect(c.code).toBe(0);
    const key = JSON.parse(c.stdout) as { id: string; secret: string; role: string };
    expect(key.secret).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
    const list = await runCli(['keys', 'list'], env);
    expect(list.stdout).toContain(key.id);
    expect(list.stdout).not.toContain(key.secret);
    expect((await runCli(['keys', 'revoke', key.id], env)).code).toBe(0);
    const listed = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as {
      id: string;
      revokedAt: string | null;
    }[];
    expect(listed.find((k) => k.id === key.id)?.revokedAt).not.toBeNull();
    const unknown = await runCli(['keys', 'revoke', 'key_nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/SP_ERR_NOT_FOUND/);
    const badRole = await runCli(['keys', 'create', '--name', 'x', '--role', 'root'], env);
    expect(badRole.code).toBe(2);
  });
});
