export type { CliContext, CliServices, WorkerHandle, WorkerHealth } from './context.js';
export { buildProgram, EXIT, runCli } from './program.js';
