import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      if (from === null) throw new Error(`bad FROM: ${args}`);
      stages.push({ from: from[1], name: from[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`${keyword} before the first FROM`);
    stages[stages.length - 1].instructions.push({ keyword, args });
  }
  return stages;
}

/** COPY's flags and its sources (every argument but the last), from the shell or the JSON form. */
function copyParts(args: string): { from: string | undefined; sources: string[] } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice('--from='.length);
    else if (!w.startsWith('--')) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1) };
}

const text = readFileSync(`${ROOT}Dockerfile`, 'utf8');
const stages = parseDockerfile(text);
const final = stages[stages.length - 1];
const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);

describe('Dockerfile', () => {
  it('is multi-stage, its final stage on a slim or alpine Node 20 image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(final.from).toMatch(/^node:20[\w.-]*-(slim|alpine)[\w.-]*$|^node:20[\w.-]*-bookworm-slim$/);
  });

  it('runs the final stage as a non-root user', () => {
    const users = all(final, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].args.split(':')[0];
    expect(['root', '0']).not.toContain(user);
  });

  it('installs no compiler or build tool in the final stage', () => {
    for (const run of all(final, 'RUN')) {
      expect(run.args).not.toMatch(/(apt-get|apk)\s+(install|add)\b/);
      expect(run.args).not.toMatch(/build-essential|python3|\bmake\b|g\+\+|\bgcc\b|node-gyp/);
      expect(run.args).not.toMatch(/npm\s+(ci|install)\b/);
    }
  });

  it('takes node_modules from a stage that installed production dependencies only', () => {
    const copy = all(final, 'COPY').find((c) => /node_modules/.test(c.args));
    if (copy === undefined) throw new Error('the final stage copies no node_modules');
    const from = copyParts(copy.args).from;
    const source = stages.find((s) => s.name === from);
    if (source === undefined) throw new Error(`node_modules copied from unknown stage ${from}`);
    const chain = [source];
    for (let s = source; stages.some((x) => x.name === s.from); ) {
      s = stages.find((x) => x.name === s.from) as Stage;
      chain.push(s);
    }
    const installs = chain.flatMap((s) => all(s, 'RUN')).filter((r) => /npm\s+(ci|install)\b/.test(r.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const r of installs) expect(r.args).toMatch(/--omit=dev/);
  });

  it('builds src and web in a build stage that has the dev dependencies', () => {
    const build = stages.find((s) => all(s, 'RUN').some((r) => /npm run build/.test(r.args)));
    if (build === undefined) throw new Error('no stage runs npm run build');
    expect(build).not.toBe(final);
    expect(all(build, 'COPY').map((c) => c.args)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^src\b/), expect.stringMatching(/^web\b/)]),
    );
  });

  it('has a HEALTHCHECK on /health/ready and documents the worker health command', () => {
    const checks = all(final, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0].args).toMatch(/\/health\/ready/);
    expect(text).toMatch(/sporeprint worker --health/);
  });

  it('copies only sources that exist in the repository or come from an earlier stage', () => {
    const names = new Set(stages.map((s) => s.name).filter((n) => n !== undefined));
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n').filter(Boolean);
    for (const stage of stages) {
      for (const copy of all(stage, 'COPY')) {
        const { from, sources } = copyParts(copy.args);
        expect(sources.length).toBeGreaterThan(0);
        if (from !== undefined) {
          expect(names.has(from), `COPY --from=${from}`).toBe(true);
          continue;
        }
        for (const source of sources) {
          expect(existsSync(`${ROOT}${source}`), `COPY ${source}`).toBe(true);
          expect(ignored, `COPY ${source} is in .dockerignore`).not.toContain(source);
        }
      }
    }
  });

  it('runs every role through one entry point', () => {
    expect(all(final, 'ENTRYPOINT').map((e) => JSON.parse(e.args))).toEqual([['sporeprint']]);
    expect(existsSync(`${ROOT}bin/sporeprint.js`)).toBe(true);
  });
});
