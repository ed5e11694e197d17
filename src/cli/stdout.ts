/** Set once stdout's reader went away (`rrvm dump … | head`): further output is dropped. */
let closed = false;

/**
 * Makes a closed stdout harmless: EPIPE (and any other write error) marks it closed instead of
 * crashing, so a recording still closes its log when the pipe it prints into is gone.
 */
export function guardStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!closed && err.code !== 'EPIPE') process.stderr.write(`rrvm: cannot write to stdout: ${err.message}\n`);
    closed = true;
  });
}

/** Writes to stdout unless its reader is gone. */
export function writeOut(data: Uint8Array | string): void {
  if (!closed) process.stdout.write(data);
}

/** True once nobody reads stdout any more (commands that only print may stop early). */
export function stdoutClosed(): boolean {
  return closed;
}
