/**
 * Import-direction rules from DESIGN.md, run by `npm run deps:check` (and so by `npm test`); the
 * test in test/architecture/dependency-rules.test.ts proves each rule reports what it is meant to.
 *
 * - Layers: each module imports only the modules below it. core → nothing; data → core;
 *   ml → core, data; stats → core; reports → core, stats; pipeline → core; storage → core, ml, pipeline (a run stores its plan);
 *   services → all above; config → core; interfaces → services, config (+ lower layers for types);
 *   main → everything.
 * - Pure modules (core, data, ml, stats, reports, pipeline/dag) import no database, network or queue
 *   package (kysely, mysql2, better-sqlite3, ioredis, bullmq, fastify, @fastify/*) and no Node
 *   built-in that touches files, the network or other processes (fs, net, http(s), child_process,
 *   worker_threads, dgram, dns, tls, cluster). dependency-cruiser resolves an npm import to its file
 *   (`node_modules/kysely/dist/…`), so packages are matched by that path (or by the bare name when
 *   the package is not installed), built-ins by their dependency type `core`.
 * - Modules import each other only through their one public `index.ts`. A module is a folder of
 *   src/, except interfaces/, whose sub-folders (http/, cli/) are modules of their own. Inside a
 *   module anything goes, including a sub-module's index such as ml/tree/index.ts used from ml/gbt.
 * - Migrations import nothing from src/ (Kysely only); benchmarks (bench/) import storage through
 *   its index.ts.
 * - The dashboard (web/) is a client of the HTTP API, bundled for the browser: from src/ it takes only
 *   the Overview's type (type-only, erased from the bundle); src/ never imports web/.
 * - No circular imports.
 * `npm run deps:check` cruises src/, bench/ and web/; unit tests (`__tests__/`) are not cruised.
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

/** Packages pure modules never import: database drivers, query builder, Redis, queues, HTTP server. */
const ioPackages = '(kysely|mysql2|better-sqlite3|ioredis|bullmq|fastify|@fastify/[^/]+)';

/** Node built-ins pure modules never import (with or without `node:`). */
const ioBuiltins =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|worker_threads|dgram|dns|dns/promises|tls|cluster)$';

/** A module: `interfaces/<name>`, else a top folder of src/. */
const moduleOf = '(interfaces/[^/]+|[^/]+)';

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
    layer('storage', ['core', 'ml', 'pipeline']),
    layer('config', ['core']),
    layer('services', ['core', 'data', 'ml', 'stats', 'reports', 'pipeline', 'storage', 'config']),
    layer('interfaces', ['core', 'data', 'ml', 'stats', 'reports', 'pipeline', 'services', 'config']),
    {
      name: 'pure-modules-import-no-io-packages',
      severity: 'error',
      comment:
        'core, data, ml, stats, reports and pipeline/dag take values and return values: no database, Redis, queue or HTTP package.',
      from: { path: pureModules },
      to: {
        // resolved (node_modules/<pkg>/… or its @types), or the bare name when not installed
        path: [`(^|/)node_modules/(@types/)?${ioPackages}/`, `^${ioPackages}(/|$)`],
      },
    },
    {
      name: 'pure-modules-import-no-io-builtins',
      severity: 'error',
      comment: 'Pure modules do not touch files, the network or other processes and threads.',
      from: { path: pureModules },
      to: { dependencyTypes: ['core'], path: ioBuiltins },
    },
    {
      name: 'no-deep-imports-across-modules',
      severity: 'error',
      comment: "Import another module through its index.ts only (DESIGN.md convention 1).",
      from: { path: `^src/${moduleOf}/` },
      to: {
        path: '^src/',
        pathNot: ['^src/$1/', `^src/${moduleOf}/index\\.ts$`],
      },
    },
    {
      name: 'migrations-import-no-application-code',
      severity: 'error',
      comment: 'A migration is frozen once released: it uses Kysely alone, never code that may change later.',
      from: { path: '^src/storage/db/migrations/' },
      to: { path: '^src/' },
    },
    {
      name: 'bench-imports-storage-through-its-index',
      severity: 'error',
      comment: 'Benchmarks use storage as any caller does: through src/storage/index.ts.',
      from: { path: '^bench/' },
      to: { path: '^src/storage/', pathNot: ['^src/storage/index\\.ts$'] },
    },
    {
      name: 'web-imports-only-the-overview-type-from-src',
      severity: 'error',
      comment: 'The dashboard talks to the server over HTTP; it may share the Overview type, nothing that runs.',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/services/dashboard/overview-types\\.ts$' },
    },
    {
      name: 'web-takes-types-only-from-src',
      severity: 'error',
      comment: 'A type import is erased from the bundle; a value import would bundle server code.',
      from: { path: '^web/' },
      to: { path: '^src/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-imports-no-web',
      severity: 'error',
      comment: 'The server serves the built dashboard as files; it never imports its code.',
      from: { path: '^src/' },
      to: { path: '^web/' },
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
