/**
 * Import-direction rules from DESIGN.md: each module imports only the modules below it.
 * core → nothing; data → core; ml → core, data; stats → core; reports → core, stats;
 * pipeline → core; storage → core, ml; services → all above; config → core;
 * interfaces → services, config (+ lower layers for types); main → everything.
 * Pure modules (core, data, ml, stats, reports, pipeline/dag) never import node:fs, the network or the DB.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join('-') || 'nothing'}`,
  severity: 'error',
  comment: `src/${name} may only import from: ${allowed.join(', ') || '(nothing inside src)'}`,
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((a) => `^src/${a}/`)],
  },
});

const pureModules = '^src/(core|data|ml|stats|reports|pipeline/dag)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make modules impossible to reason about one at a time.',
      from: {},
      to: { circular: true },
    },
    layer('core', []),
    layer('data', ['core']),
    layer('ml', ['core', 'data']),
    layer('stats', ['core']),
    layer('reports', ['core', 'stats']),
    layer('pipeline', ['core']),
    layer('storage', ['core', 'ml']),
    layer('config', ['core']),
    layer('services', ['core', 'data', 'ml', 'stats', 'reports', 'pipeline', 'storage', 'config']),
    layer('interfaces', ['core', 'data', 'ml', 'stats', 'reports', 'services', 'config']),
    {
      name: 'pure-modules-have-no-io',
      severity: 'error',
      comment: 'core, data, ml, stats, reports and pipeline/dag take values and return values: no fs, network, DB.',
      from: { path: pureModules },
      to: {
        path: '^(fs|node:fs|fs/promises|node:fs/promises|net|node:net|http|node:http|https|node:https|child_process|node:child_process|better-sqlite3|mysql2|kysely|ioredis|bullmq|fastify)$',
      },
    },
    {
      name: 'pure-modules-use-node-builtins-sparingly',
      severity: 'error',
      comment: 'Pure modules must not touch the process environment or the network stack.',
      from: { path: pureModules },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|net|http|https|dgram|dns|tls|child_process|cluster|worker_threads)' },
    },
    {
      name: 'no-deep-imports-across-modules',
      severity: 'error',
      comment: 'Import another module through its index.ts only (DESIGN.md convention 1).',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/([^/]+)/.+/?',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/(interfaces|pipeline|storage|ml)/[^/]+/index\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '__tests__' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
