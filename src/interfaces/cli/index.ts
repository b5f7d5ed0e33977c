export type { CliContext, CliServices, SchedulerHandle, WorkerHandle, WorkerHealth } from './context.js';
export { buildProgram, EXIT, runCli } from './program.js';
