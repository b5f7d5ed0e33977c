import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SporeprintError } from '../../../core/index.js';
import type { RouteContext } from './route-context.js';

/** Where the dashboard's files are served from (Vite's `base`). */
export const DASHBOARD_PREFIX = '/ui/';

/**
 * The dashboard's Content-Security-Policy: its own scripts, styles and API only; nothing inline, nothing
 * from another origin, no frames.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.webmanifest']);
/** Largest file kept in memory (the built dashboard is a few hundred KB). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** One file of the built dashboard, held in memory with its gzip form and ETag. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly etag: string;
  /** Hashed names under assets/ never change: cached for a year; the rest is revalidated. */
  readonly immutable: boolean;
}

/** Reads every file under `dir` (path with `/` → asset); an empty map when there is no built dashboard. */
function loadAssets(dir: string | null | undefined): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!dir || !existsSync(join(dir, 'index.html'))) return assets;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && statSync(path).size <= MAX_FILE_BYTES) {
        const name = relative(dir, path).split(sep).join('/');
        const ext = extname(name);
        const body = readFileSync(path);
        const gzip = COMPRESSIBLE.has(ext) && body.length > 512 ? gzipSync(body, { level: 9 }) : null;
        assets.set(name, {
          type: TYPES[ext] ?? 'application/octet-stream',
          body,
          gzip: gzip !== null && gzip.length < body.length ? gzip : null,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          immutable: name.startsWith('assets/'),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

/** Sends one asset: 304 when the client has it, gzip when it takes it. */
function send(req: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  void reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('vary', 'accept-encoding');
  if (asset.type.startsWith('text/html')) {
    void reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
  }
  if (req.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const accept = req.headers['accept-encoding'];
  if (asset.gzip !== null && typeof accept === 'string' && /\bgzip\b/.test(accept)) {
    return reply.header('content-encoding', 'gzip').send(asset.gzip);
  }
  return reply.send(asset.body);
}

/**
 * The dashboard: `GET /` answers its index.html, `GET /ui/<file>` its scripts and styles, all read into
 * memory once (with their gzip form) from `deps.dashboardDir`. Hashed files under `/ui/assets/` are
 * cached for a year (immutable), the page itself is revalidated (ETag); the page's CSP allows nothing
 * from another origin. Without a built dashboard `/` answers 503 naming the build command. Hidden from
 * the OpenAPI document; no API key.
 */
export const dashboardRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, ctx) => {
  const assets = loadAssets(ctx.deps.dashboardDir);
  const config = { auth: false };
  app.get('/', { schema: { hide: true }, config }, (req, reply) => {
    const index = assets.get('index.html');
    if (index === undefined) {
      throw new SporeprintError(
        'SP_ERR_NOT_READY',
        'the dashboard is not built here: run `npm run build` (npm install builds it too), then restart',
      );
    }
    return send(req, reply, index);
  });
  app.get(`${DASHBOARD_PREFIX}*`, { schema: { hide: true }, config }, (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    const asset = name === 'index.html' ? undefined : assets.get(name);
    if (asset === undefined) {
      throw new SporeprintError('SP_ERR_NOT_FOUND', `no dashboard file ${name.slice(0, 200)}`);
    }
    return send(req, reply, asset);
  });
};
