import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * How to start a worker thread whose module `<name>` lives beside the caller (`callerUrl`: the caller's
 * `import.meta.url`): in the build, the compiled `<name>.js`; from source (under tsx or vitest, where
 * the caller is `.ts`), a one-line script that loads `<name>.ts` through tsx's require hook. (Node 20
 * applies no `--import tsx` loader to a worker's entry module, inherited or given in `execArgv`: it
 * refuses the `.ts` file.) Loading tsx makes such a thread start slower than the compiled one (about
 * 0.1 s for the prediction log's writer, a few seconds for a thread that loads the services), in
 * development and tests only.
 *
 * @example
 * const { entry, eval: isScript } = threadEntry(import.meta.url, 'sqlite-log-thread');
 * const worker = new Worker(entry, { eval: isScript, workerData });
 */
export function threadEntry(
  callerUrl: string,
  name: string,
): { readonly entry: URL | string; readonly eval: boolean } {
  if (!callerUrl.endsWith('.ts')) return { entry: new URL(`./${name}.js`, callerUrl), eval: false };
  const tsx = createRequire(callerUrl).resolve('tsx/cjs');
  const thread = fileURLToPath(new URL(`./${name}.ts`, callerUrl));
  return { entry: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(thread)});`, eval: true };
}
