/** Process exit statuses of every `rrvm` command (DESIGN §9). */
export const ExitStatus = {
  OK: 0,
  USAGE_OR_INPUT: 1,
  GUEST_FAILURE: 2,
  DIVERGENCE: 3,
  LIMIT: 4,
} as const;

/** The exit status of each error code that is not a usage or input error (those exit 1). */
const EXIT_STATUS_OF_CODE: Readonly<Record<string, number>> = {
  'replay.divergence': ExitStatus.DIVERGENCE,
};

/** The exit status the CLI gives an RrvmError with `code`. */
export function exitStatusOf(code: string): number {
  return EXIT_STATUS_OF_CODE[code] ?? ExitStatus.USAGE_OR_INPUT;
}

/**
 * A host-side failure with a stable dotted `code` (`log.truncated`, `cli.usage`,
 * `replay.divergence`); its exit status comes from the one code → status table above.
 */
export class RrvmError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RrvmError';
  }

  /** The process exit status for this error. */
  get exitCode(): number {
    return exitStatusOf(this.code);
  }
}
