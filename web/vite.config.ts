/**
 * The dashboard's build: web/ → dist/web (index.html, and hashed scripts and styles under assets/),
 * served by the API at `/` with its files under `/ui/` (routes/dashboard.ts). Everything is bundled:
 * no CDN, no web font, nothing fetched from another origin at run time.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    // the budget is 300 KB gzipped for all of it; warn well before
    chunkSizeWarningLimit: 400,
    modulePreload: { polyfill: false },
  },
});
