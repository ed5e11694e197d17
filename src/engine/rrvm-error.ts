/**
 * A host-side failure with a stable dotted `code` (`log.truncated`, `cli.usage`,
 * `replay.divergence`) and the process exit status the CLI maps it to.
 */
export class RrvmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'RrvmError';
  }
}
