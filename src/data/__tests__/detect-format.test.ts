import { describe, expect, it } from 'vitest';
import { SporeprintError } from '../../core/index.js';
import { detectFormat } from '../detect-format.js';
import { SECONDARY_SCHEMA, schemaColumns } from '../schemas.js';
import { readData } from './helpers.js';

const HEADER = schemaColumns(SECONDARY_SCHEMA).join(';');
const ROW = 'p;15.26;x;g;o;f;e;;w;16.95;17.09;s;y;w;u;w;t;g;;d;w';

function failure(head: Buffer | string, schema: 'auto' | 'secondary' | 'classic' = 'auto'): SporeprintError {
  try {
    detectFormat(head, { schema });
  } catch (e) {
    if (e instanceof SporeprintError) return e;
    throw e;
  }
  throw new Error('detectFormat did not throw');
}

describe('detectFormat', () => {
  it('detects the bundled secondary file', () => {
    const f = detectFormat(readData('secondary_data.csv').subarray(0, 65536), { schema: 'auto' });
    expect(f).toEqual({
      delimiter: ';',
      hasHeader: true,
      lineEnding: '\n',
      schema: 'secondary',
      columns: schemaColumns(SECONDARY_SCHEMA),
    });
  });

  it('detects the bundled classic file', () => {
    const f = detectFormat(readData('agaricus-lepiota.data').subarray(0, 65536), { schema: 'auto' });
    expect(f.schema).toBe('classic');
    expect(f.hasHeader).toBe(false);
    expect(f.delimiter).toBe(',');
    expect(f.columns[0]).toBe('class');
    expect(f.columns).toHaveLength(23);
  });

  it('refuses an empty file', () => {
    const e = failure(Buffer.alloc(0));
    expect(e.code).toBe('SP_ERR_INPUT_EMPTY');
    expect(e.message).toMatch(/empty/);
    expect(failure('\n\n  \n').code).toBe('SP_ERR_INPUT_EMPTY');
  });

  it('refuses a header with no data rows', () => {
    const e = failure(`${HEADER}\n`);
    expect(e.code).toBe('SP_ERR_INPUT_EMPTY');
    expect(e.message).toContain('has a header but no data rows');
    expect(failure(HEADER).code).toBe('SP_ERR_INPUT_EMPTY');
  });

  it('refuses a tab-delimited file and says it saw tabs', () => {
    const e = failure(`${HEADER.replaceAll(';', '\t')}\n${ROW.replaceAll(';', '\t')}\n`);
    expect(e.code).toBe('SP_ERR_INPUT_DELIMITER');
    expect(e.message).toMatch(/tab/);
  });

  it("refuses a ';' header with ',' rows", () => {
    const e = failure(`${HEADER}\n${ROW.replaceAll(';', ',')}\n${ROW.replaceAll(';', ',')}\n`);
    expect(e.code).toBe('SP_ERR_INPUT_DELIMITER');
    expect(e.message).toContain("';' (semicolon)");
    expect(e.message).toContain("they use ',' (comma)");
  });

  it('accepts a secondary header with comma delimiter', () => {
    const f = detectFormat(`${HEADER.replaceAll(';', ',')}\n${ROW.replaceAll(';', ',')}\n`, {
      schema: 'auto',
    });
    expect(f.delimiter).toBe(',');
    expect(f.schema).toBe('secondary');
  });

  it('refuses binary garbage with NUL bytes', () => {
    const bytes = Buffer.alloc(4096);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      bytes[i] = s >>> 24;
    }
    bytes[100] = 0;
    const e = failure(bytes);
    expect(e.code).toBe('SP_ERR_INPUT_BINARY');
    expect(e.message).toMatch(/binary/);
  });

  it('refuses mostly-control-character input without NULs', () => {
    const bytes = Buffer.alloc(1000, 0x01);
    expect(failure(bytes).code).toBe('SP_ERR_INPUT_BINARY');
  });

  it('names a missing column', () => {
    const cols = schemaColumns(SECONDARY_SCHEMA).filter((c) => c !== 'stem-width');
    const e = failure(`${cols.join(';')}\n${ROW}\n`);
    expect(e.code).toBe('SP_ERR_INPUT_COLUMNS');
    expect(e.message).toContain('missing column: stem-width');
    expect(e.details).toMatchObject({ missing: ['stem-width'], unknown: [] });
  });

  it('names an unknown column', () => {
    const e = failure(`${HEADER};colour-of-sky\n${ROW};b\n`);
    expect(e.code).toBe('SP_ERR_INPUT_COLUMNS');
    expect(e.message).toContain('unknown column: colour-of-sky');
  });

  it('refuses the primary species table as a dataset (unknown columns family, name)', () => {
    const e = failure(readData('primary_data.csv'));
    expect(e.code).toBe('SP_ERR_INPUT_COLUMNS');
    expect(e.message).toContain('unknown columns: family, name');
  });

  it('compares header names case-insensitively after trimming', () => {
    const header = schemaColumns(SECONDARY_SCHEMA)
      .map((c, i) => (i % 2 ? ` ${c.toUpperCase()} ` : c))
      .join(';');
    expect(detectFormat(`${header}\n${ROW}\n`, { schema: 'auto' }).columns).toEqual(
      schemaColumns(SECONDARY_SCHEMA),
    );
  });

  it('detects LF and CRLF line endings', () => {
    expect(detectFormat(`${HEADER}\n${ROW}\n`, { schema: 'auto' }).lineEnding).toBe('\n');
    expect(detectFormat(`${HEADER}\r\n${ROW}\r\n`, { schema: 'auto' }).lineEnding).toBe('\r\n');
  });

  it('handles a UTF-8 BOM', () => {
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\n${ROW}\n`)]);
    const f = detectFormat(buf, { schema: 'auto' });
    expect(f.columns[0]).toBe('class');
    expect(f.schema).toBe('secondary');
  });

  it('refuses a requested schema that does not match', () => {
    const e = failure(readData('agaricus-lepiota.data').subarray(0, 4096), 'secondary');
    expect(e.code).toBe('SP_ERR_INPUT_SCHEMA');
    expect(e.message).toMatch(/secondary schema was requested.*23 fields.*classic/);
    const e2 = failure(`${HEADER}\n${ROW}\n`, 'classic');
    expect(e2.code).toBe('SP_ERR_INPUT_SCHEMA');
  });

  it('refuses a headerless file with an unknown field count', () => {
    const e = failure('1,2,3\n4,5,6\n');
    expect(e.code).toBe('SP_ERR_INPUT_COLUMNS');
    expect(e.message).toContain('3 fields');
  });
});
