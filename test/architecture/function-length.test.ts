import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md convention 2: functions fit on a screen. No function, method, constructor, accessor or arrow
 * function in `src/` (tests excluded) may have a body longer than {@link MAX_LINES} lines, unless the
 * comment block right above it holds `// long-function: <reason>`.
 */
const MAX_LINES = 120;
const MARKER = /\/\/\s*long-function:\s*\S/;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) {
      if (name !== '__tests__') out.push(...sourceFiles(rel));
    } else if (rel.endsWith('.ts') && !rel.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

interface LongFunction {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

/** A readable name for a function node: its own name, or the variable / property / parameter it is bound to. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent;
    return `${ts.isClassLike(cls) && cls.name ? cls.name.text : '(class)'}.constructor`;
  }
  if (node.name) {
    const own = node.name.getText(sf);
    const cls = node.parent;
    return ts.isClassLike(cls) && cls.name ? `${cls.name.text}.${own}` : own;
  }
  const p = node.parent;
  if ((ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name) {
    return p.name.getText(sf);
  }
  if (ts.isCallExpression(p)) return `(callback of ${p.expression.getText(sf).slice(0, 40)})`;
  return '(anonymous)';
}

/** The node whose leading comments document the function (`const f = () => …` documents the statement). */
function documentedNode(node: ts.Node): ts.Node {
  let n: ts.Node = node;
  while (
    n.parent &&
    (ts.isVariableDeclaration(n.parent) ||
      ts.isVariableDeclarationList(n.parent) ||
      ts.isVariableStatement(n.parent) ||
      ts.isPropertyAssignment(n.parent) ||
      ts.isPropertyDeclaration(n.parent) ||
      ts.isExportAssignment(n.parent))
  ) {
    n = n.parent;
  }
  return n;
}

function hasMarker(node: ts.Node, sf: ts.SourceFile): boolean {
  const ranges = ts.getLeadingCommentRanges(sf.text, documentedNode(node).getFullStart()) ?? [];
  return ranges.some((r) => MARKER.test(sf.text.slice(r.pos, r.end)));
}

/** Every function-like node of `sf` whose body spans more than {@link MAX_LINES} lines, without the marker. */
function longFunctions(sf: ts.SourceFile): LongFunction[] {
  const out: LongFunction[] = [];
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const body = fn.body!;
      const lines = lineOf(body.getEnd()) - lineOf(body.getStart(sf)) + 1;
      if (lines > MAX_LINES && !hasMarker(fn, sf)) {
        out.push({ file: sf.fileName, line: lineOf(fn.getStart(sf)) + 1, name: nameOf(fn, sf), lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const parse = (file: string, text: string): ts.SourceFile =>
  ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);

describe('function length (DESIGN.md convention 2)', () => {
  const all = sourceFiles('src').flatMap((f) => longFunctions(parse(f, readFileSync(join(ROOT, f), 'utf8'))));

  it(`no function in src/ is longer than ${MAX_LINES} lines without a "// long-function: <reason>" comment`, () => {
    const offenders = all.map((f) => `${f.file}:${f.line}: ${f.name} (${f.lines} lines)`);
    expect(offenders).toEqual([]);
  });

  it('measures bodies and honours the marker', () => {
    const body = Array.from({ length: MAX_LINES - 2 }, (_, i) => `  const a${i} = ${i};`).join('\n');
    const names = (text: string): string[] => longFunctions(parse('x.ts', text)).map((f) => f.name);
    expect(names(`function ok() {\n${body}\n}`)).toEqual([]);
    expect(names(`function tooLong() {\n${body}\n  const z = 0;\n}`)).toEqual(['tooLong']);
    expect(names(`const arrow = () => {\n${body}\n  const z = 0;\n};`)).toEqual(['arrow']);
    expect(names(`// long-function: a reason\nconst arrow = () => {\n${body}\n  const z = 0;\n};`)).toEqual(
      [],
    );
    expect(names(`// long-function:\nfunction noReason() {\n${body}\n  const z = 0;\n}`)).toEqual([
      'noReason',
    ]);
    expect(names(`class C {\n  /** doc */\n  m() {\n${body}\n  const z = 0;\n  }\n}`)).toEqual(['C.m']);
    expect(
      names(`class C {\n  // long-function: why\n  /** doc */\n  m() {\n${body}\n  const z = 0;\n  }\n}`),
    ).toEqual([]);
  });
});
