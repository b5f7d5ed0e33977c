import { type CliRun, runProcess } from '../helpers/run-cli.js';

/** One `sh` block of the README's runbook, named by the `<!-- runbook: name -->` marker before it. */
export interface RunbookBlock {
  readonly name: string;
  readonly script: string;
}

/**
 * The `sh` blocks of the README section headed `heading` (up to the next `## ` heading), in order.
 * Every `sh` block there must follow a `<!-- runbook: name -->` marker (only blank lines between) and
 * every marker must have its block: an unmarked command would be documented but never run.
 */
export function runbookBlocks(readme: string, heading: string): RunbookBlock[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const next = readme.indexOf('\n## ', start + heading.length + 2);
  const lines = readme.slice(start, next < 0 ? undefined : next).split('\n');
  const blocks: RunbookBlock[] = [];
  let marker: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^<!-- runbook: ([a-z0-9-]+) -->$/.exec(line);
    if (m !== null) {
      if (marker !== null) throw new Error(`runbook marker "${marker}" has no sh block`);
      marker = m[1];
      continue;
    }
    if (/^```/.test(line)) {
      if (line !== '```sh') throw new Error(`runbook: a fenced block other than sh: ${line}`);
      if (marker === null) throw new Error(`runbook: an sh block without a marker: ${lines[i + 1]}`);
      const end = lines.indexOf('```', i + 1);
      if (end < 0) throw new Error(`runbook block "${marker}" is not closed`);
      blocks.push({ name: marker, script: lines.slice(i + 1, end).join('\n') });
      marker = null;
      i = end;
      continue;
    }
    if (marker !== null && line.trim() !== '') throw new Error(`runbook marker "${marker}" has no sh block`);
  }
  if (marker !== null) throw new Error(`runbook marker "${marker}" has no sh block`);
  return blocks;
}

/** Runs a block's script with `bash -euo pipefail` (a failing command stops it), in `cwd`, with `env`. */
export function runBlock(script: string, cwd: string, env: Record<string, string>): Promise<CliRun> {
  return runProcess('bash', ['-euo', 'pipefail', '-c', script], cwd, env);
}
