import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EtlRequest, EtlService } from '../../src/services/index.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { CLASSIC, PRIMARY, SECONDARY, secondaryLines, tempFiles } from '../helpers/fixture-files.js';
import type { TestBackend } from '../helpers/test-databases.js';

function setField(line: string, index: number, value: string): string {
  const f = line.split(';');
  f[index] = value;
  return f.join(';');
}

/** The ETL behaviour every storage backend must show (issue 2), run against SQLite and MariaDB. */
export function describeEtlConformance(backend: TestBackend): void {
  describe(`ETL on ${backend.name}`, () => {
    const files = tempFiles();
    const lines = secondaryLines();
    const header = lines[0];
    let storage: Storage;
    let etl: EtlService;

    beforeEach(async () => {
      storage = await openStorage(backend.freshUrl());
      etl = new EtlService(storage.datasets, { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY });
    });
    afterEach(async () => {
      await storage.close();
    });

    const run = (req: EtlRequest) => etl.run(req);
    /** Asserts that nothing at all was stored. */
    const expectNothingStored = async (): Promise<void> => {
      expect(await storage.datasets.listVersions()).toEqual([]);
      expect(await storage.datasets.latestVersion()).toBeUndefined();
    };
    const sample = (n: number, edit?: (dataLines: string[]) => void): string[] => {
      const data = lines.slice(1, n + 1);
      edit?.(data);
      return [header, ...data];
    };

    it('loads the bundled secondary file: rows, split, profile, species, duplicates', async () => {
      const s = await run({ source: SECONDARY });
      expect(s.status).toBe('created');
      expect(s.rows).toEqual({ data: 61069, valid: 61069, invalid: 0, duplicates: 146, labelConflicts: 0 });
      expect(s.species).toMatchObject({ derived: true, count: 173 });
      const p = s.profile;
      expect(p.classes).toEqual({ p: 33888, e: 27181 });
      expect(p.splits.train + p.splits.validation + p.splits.test).toBe(61069);
      // stratified 70/15/15: each split has the population's class shares (within one row).
      for (const split of ['train', 'validation', 'test'] as const) {
        const c = p.classBySplit[split];
        expect(Math.abs(c.p / (c.p + c.e) - 33888 / 61069)).toBeLessThan(2 / (c.p + c.e));
      }
      expect(p.splits.test).toBe(9160);
      const version = await storage.datasets.findVersion(s.datasetId);
      expect(version?.split.length).toBe(61069);
      const rows: number[] = [];
      for await (const batch of storage.datasets.readRows(s.sourceId))
        for (const r of batch) rows.push(r.speciesIndex ?? -1);
      expect(rows.length).toBe(61069);
      expect(rows[0]).toBe(0);
      expect(rows[61068]).toBe(172);
      const pre = version?.preprocessing as {
        linear: { features: unknown[] };
        tree: { features: unknown[] };
      };
      expect(pre.linear.features).toHaveLength(20);
      expect(pre.tree.features).toHaveLength(20);
    });

    it('is a no-op on the same input and parameters, and a new version for other parameters', async () => {
      const a = await run({ source: SECONDARY });
      const b = await run({ source: SECONDARY });
      expect(b.status).toBe('unchanged');
      expect(b.datasetId).toBe(a.datasetId);
      expect(await storage.datasets.listVersions()).toHaveLength(1);
      const c = await run({ source: SECONDARY, seed: 7 });
      expect(c.status).toBe('new-version');
      expect(c.datasetId).not.toBe(a.datasetId);
      expect(await storage.datasets.listVersions()).toHaveLength(2);
      const va = await storage.datasets.findVersion(a.datasetId);
      const vc = await storage.datasets.findVersion(c.datasetId);
      expect(Buffer.from(va!.split).equals(Buffer.from(vc!.split))).toBe(false);
    });

    it('species split keeps each species in one split and refuses files out of generation order', async () => {
      const s = await run({ source: SECONDARY, split: 'species' });
      const version = await storage.datasets.findVersion(s.datasetId);
      const splitOf = new Map<number, number>();
      for await (const batch of storage.datasets.readRows(s.sourceId)) {
        for (const r of batch) {
          const code = version!.split[r.rowIndex];
          const seen = splitOf.get(r.speciesIndex!);
          if (seen !== undefined) expect(code).toBe(seen);
          splitOf.set(r.speciesIndex!, code);
        }
      }
      expect(new Set(splitOf.values())).toEqual(new Set([0, 1, 2]));
      const short = files.write('short.csv', `${sample(1000).join('\n')}\n`);
      await expect(run({ source: short, split: 'species' })).rejects.toMatchObject({
        code: 'SP_ERR_SPECIES_SPLIT',
        message: expect.stringMatching(/1,000 rows, the generation order has 61,069/),
      });
      expect(await storage.datasets.listVersions()).toHaveLength(1);
      await expect(run({ source: CLASSIC, split: 'species' })).rejects.toMatchObject({
        code: 'SP_ERR_SPECIES_SPLIT',
      });
    });

    it('loads the classic 1987 data (no header, comma, ? = missing)', async () => {
      const s = await run({ source: CLASSIC });
      expect(s.schema).toBe('classic');
      expect(s.rows.valid).toBe(8124);
      expect(s.profile.classes).toEqual({ p: 3916, e: 4208 });
      const stalkRoot = s.profile.columns.find((c) => c.name === 'stalk-root');
      expect(stalkRoot?.missing).toBe(2480);
    });

    it('quarantines invalid rows with line, column and reason, keeping the valid ones', async () => {
      const path = files.write(
        'few-bad.csv',
        `${sample(1000, (d) => {
          d[10] = setField(d[10], 2, 'q'); // unknown cap-shape code
          d[20] = setField(d[20], 1, '17.wrz'); // a number a spreadsheet turned into a date
        }).join('\n')}\n`,
      );
      const s = await run({ source: path });
      expect(s.rows).toMatchObject({ data: 1000, valid: 998, invalid: 2 });
      const q = await storage.datasets.readQuarantine(s.sourceId);
      expect(q.map((x) => [x.line, x.column, x.value])).toEqual([
        [12, 'cap-shape', 'q'],
        [22, 'cap-diameter', '17.wrz'],
      ]);
      expect(q[0].reason).toMatch(/x = convex/);
      expect(q[1].reason).toMatch(/date/);
    });

    it('refuses split ratios that leave a split empty or do not sum to 1, storing nothing', async () => {
      const path = files.write('ratios.csv', `${sample(50).join('\n')}\n`);
      const cases: [{ train: number; validation: number; test: number }, RegExp][] = [
        [
          { train: 1, validation: 0, test: 0 },
          /every split needs a ratio above 0, got 0 for validation and test/,
        ],
        [{ train: 0.8, validation: 0.2, test: 0 }, /got 0 for test \(0\.8\/0\.2\/0\)/],
        [
          { train: 0.9, validation: 0.2, test: 0.1 },
          /must be non-negative and sum to 1, got 0\.9\/0\.2\/0\.1/,
        ],
        [{ train: 1.2, validation: -0.1, test: -0.1 }, /must be non-negative/],
      ];
      for (const [ratios, message] of cases) {
        await expect(run({ source: path, ratios })).rejects.toMatchObject({
          code: 'SP_ERR_BAD_PARAM',
          message: expect.stringMatching(message),
        });
      }
      await expectNothingStored();
    });

    it('fails past the invalid-row threshold and leaves nothing behind', async () => {
      const path = files.write(
        'many-bad.csv',
        `${sample(200, (d) => {
          for (let i = 0; i < 5; i++) d[i * 10] = setField(d[i * 10], 1, '16.cze');
        }).join('\n')}\n`,
      );
      await expect(run({ source: path })).rejects.toMatchObject({
        code: 'SP_ERR_INVALID_SHARE',
        message: expect.stringMatching(/5 of 200 rows \(2\.50%\) are invalid, above the 1\.00% threshold/),
      });
      await expectNothingStored();
      const ok = await run({ source: path, invalidThreshold: 0.05 });
      expect(ok.rows.invalid).toBe(5);
    });

    it.each([
      ['empty file', '', 'SP_ERR_INPUT_EMPTY', /empty/],
      ['header only', `${lines[0]}\n`, 'SP_ERR_INPUT_EMPTY', /header but no data rows/],
      [
        'tab delimiter',
        `${sample(20)
          .map((l) => l.replaceAll(';', '\t'))
          .join('\n')}\n`,
        'SP_ERR_INPUT_DELIMITER',
        /tab/,
      ],
      [
        'missing column',
        `${sample(20)
          .map((l) => l.split(';').slice(0, -1).join(';'))
          .join('\n')}\n`,
        'SP_ERR_INPUT_COLUMNS',
        /season/,
      ],
      [
        'unknown column',
        `${sample(20)
          .map((l, i) => `${l};${i === 0 ? 'colour-of-hat' : 'x'}`)
          .join('\n')}\n`,
        'SP_ERR_INPUT_COLUMNS',
        /colour-of-hat/,
      ],
    ])(
      'refuses a file with %s, naming the problem, storing nothing',
      async (_name, content, code, message) => {
        const path = files.write(`bad-${code}-${Math.random()}.csv`, content);
        await expect(run({ source: path })).rejects.toMatchObject({
          code,
          message: expect.stringMatching(message),
        });
        await expectNothingStored();
      },
    );

    it('refuses binary garbage', async () => {
      const bytes = Buffer.alloc(4096);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
      const path = files.write('garbage.bin', bytes);
      await expect(run({ source: path })).rejects.toMatchObject({ code: 'SP_ERR_INPUT_BINARY' });
      await expectNothingStored();
    });

    it('reads CRLF and LF files alike, and quarantines a truncated last line', async () => {
      const body = sample(300);
      const lf = await run({ source: files.write('lf.csv', `${body.join('\n')}\n`) });
      await storage.close();
      storage = await openStorage(backend.freshUrl());
      etl = new EtlService(storage.datasets, { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY });
      const crlf = await run({ source: files.write('crlf.csv', `${body.join('\r\n')}\r\n`) });
      expect(crlf.rows).toEqual(lf.rows);
      expect(crlf.profile).toEqual(lf.profile);
      const truncated = [...body.slice(0, -1), body[body.length - 1].split(';').slice(0, 7).join(';')].join(
        '\n',
      );
      const t = await run({ source: files.write('truncated.csv', truncated), invalidThreshold: 0.01 });
      expect(t.rows).toMatchObject({ data: 300, valid: 299, invalid: 1 });
      const q = await storage.datasets.readQuarantine(t.sourceId);
      expect(q[0]).toMatchObject({ line: 301, column: null });
      expect(q[0].reason).toMatch(/expected 21 fields, found 7/);
    });

    it('flags rows whose class contradicts their species as label conflicts, and keeps them', async () => {
      const all = lines.slice(1);
      all[5] = all[5].replace(/^p;/, 'e;'); // species 0 (Fly Agaric) is poisonous
      const path = files.write('conflict.csv', `${[header, ...all].join('\n')}\n`);
      const s = await run({ source: path });
      expect(s.rows.labelConflicts).toBe(1);
      expect(s.labelConflicts[0]).toMatchObject({ line: 7, rowIndex: 5, expected: 'p', actual: 'e' });
      expect(s.rows.valid).toBe(61069);
    });

    it('lists and shows versions', async () => {
      const a = await run({ source: CLASSIC });
      const list = await etl.list();
      expect(list.map((v) => v.id)).toEqual([a.datasetId]);
      const shown = await etl.show('latest');
      expect(shown.datasetId).toBe(a.datasetId);
      expect(shown.profile).toEqual(a.profile);
      await expect(etl.show('ds-nope')).rejects.toMatchObject({ code: 'SP_ERR_NOT_FOUND' });
    });
  });
}
