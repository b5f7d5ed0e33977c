/**
 * Detects how a mushroom dataset file is laid out (delimiter, header, line ending, schema) from its
 * first bytes, and refuses files that are not mushroom datasets with a message naming the problem.
 */
import { SporeprintError } from '../core/index.js';
import { type DatasetSchema, getSchema, SCHEMAS, type SchemaName, schemaColumns } from './schemas.js';

/** The layout of a dataset file, as found by {@link detectFormat}. */
export interface DetectedFormat {
  readonly delimiter: ';' | ',';
  readonly hasHeader: boolean;
  readonly lineEnding: '\n' | '\r\n';
  readonly schema: SchemaName;
  /** Header names (trimmed, lower-case, aliases resolved) or, without a header, the schema's column names. */
  readonly columns: string[];
}

/** Options of {@link detectFormat}. */
export interface DetectOptions {
  /** `auto` picks the schema from the header or the field count; a name insists on that schema. */
  readonly schema: 'auto' | SchemaName;
}

const SAMPLE_ROWS = 50;
const DELIM_NAMES: Record<string, string> = {
  ';': "';' (semicolon)",
  ',': "',' (comma)",
  '\t': 'tab',
  '|': "'|' (pipe)",
  ' ': 'space',
};

/**
 * Detects the format of a dataset from its head (the first ~64 KB of the file).
 *
 * @example
 * const fmt = detectFormat(firstBytes, { schema: 'auto' });
 * // { delimiter: ';', hasHeader: true, lineEnding: '\n', schema: 'secondary', columns: ['class', …] }
 * @throws SporeprintError `SP_ERR_INPUT_EMPTY`, `SP_ERR_INPUT_BINARY`, `SP_ERR_INPUT_DELIMITER`,
 *   `SP_ERR_INPUT_COLUMNS` or `SP_ERR_INPUT_SCHEMA`.
 */
export function detectFormat(head: Buffer | string, opts: DetectOptions): DetectedFormat {
  const text = decodeHead(head);
  if (text.trim() === '') {
    throw new SporeprintError('SP_ERR_INPUT_EMPTY', 'the file is empty: it has no header and no data rows', {
      bytes: typeof head === 'string' ? head.length : head.byteLength,
    });
  }
  const lineEnding: '\n' | '\r\n' = /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n';
  const lines = completeLines(text);
  const first = lines[0];
  const headerLike = looksLikeHeader(first);
  const delimiter = pickDelimiter(first, headerLike ? 'header' : 'first row');
  const firstFields = first.split(delimiter).map(normaliseName);
  const dataLines = lines.slice(headerLike ? 1 : 0);
  if (headerLike && dataLines.length === 0) {
    throw new SporeprintError('SP_ERR_INPUT_EMPTY', 'the file has a header but no data rows', {
      header: firstFields,
    });
  }
  if (headerLike) checkDataDelimiter(dataLines, delimiter);
  const schema = headerLike
    ? schemaFromHeader(firstFields, opts.schema)
    : schemaFromFieldCount(firstFields.length, opts.schema, delimiter);
  const columns = headerLike ? firstFields.map((n) => resolveAlias(n, schema)) : schemaColumns(schema);
  return { delimiter, hasHeader: headerLike, lineEnding, schema: schema.name, columns };
}

/** Decodes the head, strips a UTF-8 BOM, and refuses binary content. */
function decodeHead(head: Buffer | string): string {
  if (typeof head !== 'string') {
    const n = head.byteLength;
    let control = 0;
    for (let i = 0; i < n; i++) {
      const b = head[i];
      if (b === 0) {
        throw new SporeprintError(
          'SP_ERR_INPUT_BINARY',
          `the file is binary, not delimited text: NUL byte at offset ${i}`,
          {
            offset: i,
          },
        );
      }
      if ((b < 32 && b !== 9 && b !== 10 && b !== 13) || b === 127) control++;
    }
    if (n > 0 && control / n > 0.05) {
      throw new SporeprintError(
        'SP_ERR_INPUT_BINARY',
        `the file is binary, not delimited text: ${((100 * control) / n).toFixed(1)}% of its first ${n} bytes are control characters`,
      );
    }
    head = head.toString('utf8');
  } else if (head.includes('\u0000')) {
    throw new SporeprintError(
      'SP_ERR_INPUT_BINARY',
      'the file is binary, not delimited text: it contains NUL characters',
    );
  }
  let text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  if (text.length > 0 && bad / text.length > 0.05) {
    throw new SporeprintError(
      'SP_ERR_INPUT_BINARY',
      'the file is binary, not delimited text: most of its bytes are not valid UTF-8 text',
    );
  }
  text = text.replace(/^(\r?\n)+/, '');
  return text;
}

/**
 * The non-empty lines of the head. The last line is dropped when the head does not end with a
 * newline and earlier lines exist (it may be cut off by the 64 KB limit).
 */
function completeLines(text: string): string[] {
  const raw = text.split(/\r?\n/);
  const endsWithNewline = /\n$/.test(text);
  if (!endsWithNewline && raw.length > 2) raw.pop();
  return raw.filter((l) => l.trim() !== '');
}

function normaliseName(s: string): string {
  let t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1).trim();
  return t.toLowerCase();
}

function knownName(n: string): boolean {
  for (const s of Object.values(SCHEMAS)) {
    if (n === 'class' || s.features.some((f) => f.name === n) || s.headerAliases?.[n] !== undefined)
      return true;
  }
  return false;
}

/** A first line is a header when it names a known column or most of its fields are words. */
function looksLikeHeader(line: string): boolean {
  const fields = line.split(/[;,\t|]/).map(normaliseName);
  if (fields.some(knownName)) return true;
  const wordy = fields.filter((f) => /^[a-z][a-z0-9 _?.-]*[a-z0-9?]$/.test(f) && /[a-z]{2,}/.test(f)).length;
  return wordy * 2 > fields.length;
}

function count(line: string, ch: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) if (line[i] === ch) n++;
  return n;
}

/** The delimiter of a line: whichever of `;` and `,` occurs more often; anything else is refused. */
function pickDelimiter(line: string, what: string): ';' | ',' {
  const semi = count(line, ';');
  const comma = count(line, ',');
  if (semi === 0 && comma === 0) {
    const other = ['\t', '|', ' '].find((d) => count(line, d) > 0);
    const seen = other ? `; it looks ${DELIM_NAMES[other]}-delimited` : '';
    throw new SporeprintError(
      'SP_ERR_INPUT_DELIMITER',
      `no ';' or ',' delimiter found in the ${what}${seen}`,
      { seen: other ?? null },
    );
  }
  return semi >= comma ? ';' : ',';
}

/** Refuses data rows that use another delimiter than the header. */
function checkDataDelimiter(dataLines: readonly string[], delimiter: ';' | ','): void {
  const sample = dataLines.slice(0, SAMPLE_ROWS);
  let without = 0;
  const seen = new Map<string, number>();
  for (const l of sample) {
    if (count(l, delimiter) > 0) continue;
    without++;
    const other = [';', ',', '\t', '|'].find((d) => d !== delimiter && count(l, d) > 0);
    if (other) seen.set(other, (seen.get(other) ?? 0) + 1);
  }
  if (without * 2 <= sample.length) return;
  let best: string | null = null;
  for (const [d, n] of seen) if (best === null || n > (seen.get(best) ?? 0)) best = d;
  throw new SporeprintError(
    'SP_ERR_INPUT_DELIMITER',
    `the header uses ${DELIM_NAMES[delimiter]} but ${without} of the first ${sample.length} data rows do not` +
      (best ? `; they use ${DELIM_NAMES[best]}` : ''),
    { header: delimiter, seen: best },
  );
}

function resolveAlias(name: string, schema: DatasetSchema): string {
  return schema.headerAliases?.[name] ?? name;
}

function overlap(names: readonly string[], schema: DatasetSchema): number {
  const cols = new Set(schemaColumns(schema));
  return names.filter((n) => cols.has(resolveAlias(n, schema))).length;
}

/** Picks and checks the schema of a file with a header. */
function schemaFromHeader(names: readonly string[], requested: 'auto' | SchemaName): DatasetSchema {
  let schema: DatasetSchema;
  if (requested === 'auto') {
    const sec = overlap(names, SCHEMAS.secondary);
    const cla = overlap(names, SCHEMAS.classic);
    schema = cla > sec ? SCHEMAS.classic : SCHEMAS.secondary;
  } else {
    schema = getSchema(requested);
    const other = requested === 'secondary' ? SCHEMAS.classic : SCHEMAS.secondary;
    const mine = overlap(names, schema);
    const theirs = overlap(names, other);
    const distinctive = names.filter((n) => n !== 'class');
    if (theirs > mine && overlap(distinctive, other) === schemaColumns(other).length - 1) {
      throw new SporeprintError(
        'SP_ERR_INPUT_SCHEMA',
        `the ${requested} schema was requested but the header has the columns of the ${other.name} schema`,
        { requested, found: other.name },
      );
    }
  }
  const expected = schemaColumns(schema);
  const resolved = names.map((n) => resolveAlias(n, schema));
  const have = new Set<string>();
  const duplicate: string[] = [];
  for (const n of resolved) {
    if (have.has(n)) duplicate.push(n);
    have.add(n);
  }
  const expectedSet = new Set(expected);
  const missing = expected.filter((c) => !have.has(c));
  const unknown = resolved.filter((c) => !expectedSet.has(c));
  if (missing.length || unknown.length || duplicate.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
    if (unknown.length) parts.push(`unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    if (duplicate.length)
      parts.push(`duplicate column${duplicate.length > 1 ? 's' : ''}: ${duplicate.join(', ')}`);
    const noMatch = overlap(names, schema) === 0 ? 'the header matches no mushroom dataset schema; ' : '';
    throw new SporeprintError(
      'SP_ERR_INPUT_COLUMNS',
      `${noMatch}the header does not match the ${schema.name} schema — ${parts.join('; ')}`,
      { schema: schema.name, missing, unknown, duplicate },
    );
  }
  return schema;
}

/** Picks and checks the schema of a file without a header from its first row's field count. */
function schemaFromFieldCount(
  n: number,
  requested: 'auto' | SchemaName,
  delimiter: ';' | ',',
): DatasetSchema {
  const byCount = Object.values(SCHEMAS).find((s) => s.features.length + 1 === n);
  if (requested !== 'auto') {
    const schema = getSchema(requested);
    if (schema.features.length + 1 === n) return schema;
    if (byCount) {
      throw new SporeprintError(
        'SP_ERR_INPUT_SCHEMA',
        `the ${requested} schema was requested but the rows have ${n} fields, as in the ${byCount.name} schema ` +
          `(${requested} expects ${schema.features.length + 1})`,
        { requested, found: byCount.name },
      );
    }
  }
  if (!byCount) {
    throw new SporeprintError(
      'SP_ERR_INPUT_COLUMNS',
      `the first row has no header and ${n} fields separated by ${DELIM_NAMES[delimiter]}; a mushroom dataset ` +
        `has ${SCHEMAS.secondary.features.length + 1} (secondary) or ${SCHEMAS.classic.features.length + 1} (classic)`,
      { fields: n },
    );
  }
  return byCount;
}
