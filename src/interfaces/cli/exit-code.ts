/**
 * Ends a command with a non-zero exit code and no error message (the command already said what
 * happened, e.g. `pipeline run` of a run that failed): `runCli` returns `code`.
 */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitCode';
  }
}
