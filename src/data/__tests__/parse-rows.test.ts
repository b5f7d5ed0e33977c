import { describe, expect, it } from 'vitest';
import { SporeprintError } from '../../core/index.js';
import { detectFormat } from '../detect-format.js';
import { parseRows } from '../parse-rows.js';
import { SECONDARY_SCHEMA, schemaColumns } from '../schemas.js';
import { validateRow } from '../validate-row.js';
import { allRows, chunked } from './helpers.js';

const HEADER = schemaColumns(SECONDARY_SCHEMA).join(';');
const ROW = 'p;15.26;x;g;o;f;e;;w;16.95;17.09;s;y;w;u;w;t;g;;d;w';
const ROW2 = 'e;3.1;f;s;n;f;a;c;w;4.2;5.3;;;w;;;f;f;;d;a';

describe('parseRows', () => {
  it('gives the right line numbers with CRLF and blank lines, in small chunks', async () => {
    const text = `${HEADER}\r\n${ROW}\r\n\r\n${ROW2}\r\n\r\n\r\n${ROW}\r\n`;
    const fmt = detectFormat(text, { schema: 'auto' });
    expect(fmt.lineEnding).toBe('\r\n');
    for (const chunk of [7, 64, 65536]) {
      const rows = await allRows(text, fmt, chunk);
      expect(rows.map((r) => [r.index, r.line])).toEqual([
        [0, 2],
        [1, 4],
        [2, 7],
      ]);
      expect(rows[1].fields).toEqual(ROW2.split(';'));
      expect(rows.every((r) => r.fields.length === 21 && !r.fields[20].includes('\r'))).toBe(true);
    }
  });

  it('passes a truncated last line (no newline, fewer fields) on to validation', async () => {
    const text = `${HEADER}\n${ROW}\n${ROW2}\np;12.1;x;g`;
    const fmt = detectFormat(text, { schema: 'auto' });
    const rows = await allRows(text, fmt, 10);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toEqual({ index: 2, line: 4, fields: ['p', '12.1', 'x', 'g'] });
    const r = validateRow(rows[2], SECONDARY_SCHEMA);
    expect(!r.ok && r.issues[0].reason).toBe('expected 21 fields, found 4 — truncated line?');
  });

  it('counts rows without a header and strips a BOM', async () => {
    const text =
      '\uFEFFp,x,s,n,t,p,f,c,n,k,e,e,s,s,w,w,p,w,o,p,k,s,u\n\ne,x,s,y,t,a,f,c,b,k,e,c,s,s,w,w,p,w,o,p,n,n,g\n';
    const fmt = detectFormat(text, { schema: 'auto' });
    const rows = await allRows(text, fmt, 5);
    expect(rows.map((r) => [r.index, r.line, r.fields[0]])).toEqual([
      [0, 1, 'p'],
      [1, 3, 'e'],
    ]);
  });

  it('keeps line numbers right after a quoted field that spans lines', async () => {
    const text = `${HEADER}\n${ROW}\n"p\nq";1;x\n${ROW2}\n`;
    const rows = await allRows(text, detectFormat(`${HEADER}\n${ROW}\n`, { schema: 'auto' }), 9);
    expect(rows.map((r) => [r.index, r.line])).toEqual([
      [0, 2],
      [1, 3],
      [2, 5],
    ]);
    expect(rows[1].fields[0]).toBe('p\nq');
  });

  it('reorders fields to schema order when the header order differs', async () => {
    const cols = schemaColumns(SECONDARY_SCHEMA);
    const swapped = [cols[1], cols[0], ...cols.slice(2)];
    const f = ROW.split(';');
    const text = `${swapped.join(';')}\n${[f[1], f[0], ...f.slice(2)].join(';')}\n`;
    const rows = await allRows(text, detectFormat(text, { schema: 'auto' }));
    expect(rows[0].fields).toEqual(f);
  });

  it('yields batches of the requested size', async () => {
    const text = `${HEADER}\n${`${ROW}\n`.repeat(2500)}`;
    const sizes: number[] = [];
    for await (const b of parseRows(chunked(text, 1000), detectFormat(text, { schema: 'auto' }), {
      batchSize: 1000,
    })) {
      sizes.push(b.length);
    }
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('streams a large generated input with flat memory', async () => {
    const block = Buffer.from(`${ROW}\n${ROW2}\n`.repeat(5000)); // ~0.5 MB, 10,000 rows
    const repeats = 60; // ~30 MB, 600,000 rows, never held whole
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${HEADER}\n`);
      for (let i = 0; i < repeats; i++) yield block;
    }
    const fmt = detectFormat(`${HEADER}\n${ROW}\n`, { schema: 'auto' });
    let n = 0;
    let last = 0;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    for await (const batch of parseRows(source(), fmt)) {
      n += batch.length;
      last = batch[batch.length - 1].line;
      if (n % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(n).toBe(600_000);
    expect(last).toBe(600_001);
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('turns a parse failure into SP_ERR_INPUT_PARSE', async () => {
    const text = `${HEADER}\n${ROW}\n"unclosed;${ROW2}\n`;
    const fmt = detectFormat(`${HEADER}\n${ROW}\n`, { schema: 'auto' });
    const err = await allRows(text, fmt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SporeprintError);
    expect((err as SporeprintError).code).toBe('SP_ERR_INPUT_PARSE');
  });
});
