export type { CliContext, CliServices } from './context.js';
export { buildProgram, EXIT, runCli } from './program.js';
