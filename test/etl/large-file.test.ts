import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SECONDARY, secondaryLines, tempFiles } from '../helpers/fixture-files.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function etlInChild(source: string, db: string): { rows: number; maxRssMb: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/etl-child.ts', source, `sqlite:${db}`],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim()) as { rows: number; maxRssMb: number };
}

describe('a file far larger than the bundled one', () => {
  const files = tempFiles();

  it('streams with flat memory: 6× the rows costs little more memory than 1×', async () => {
    const lines = secondaryLines();
    const big = join(files.dir, 'big.csv');
    const out = createWriteStream(big);
    out.write(`${lines[0]}\n`);
    const body = `${lines.slice(1).join('\n')}\n`;
    for (let k = 0; k < 6; k++) out.write(body);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));

    const small = etlInChild(SECONDARY, join(files.dir, 'small.sqlite'));
    const large = etlInChild(big, join(files.dir, 'large.sqlite'));
    expect(small.rows).toBe(61069);
    expect(large.rows).toBe(6 * 61069);
    // Holding the file or its records would cost several hundred MB more; the compact per-row
    // state (about 50 bytes a row) and the streaming parse keep the growth small.
    expect(large.maxRssMb - small.maxRssMb).toBeLessThan(120);
    expect(large.maxRssMb).toBeLessThan(400);
  }, 400_000);
});
