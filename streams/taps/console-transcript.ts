import type { Subscription } from 'rxjs';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `console` tap. */
export const CONSOLE_TRANSCRIPT_FILE = 'console.txt';

/**
 * Built-in tap `console[=FILE]`: writes the guest's console output to `options.file` (default
 * console.txt), one line per guest line, prefixed with the icount at which the line started:
 * `[      1234] Hello`. Text is decoded as UTF-8; a `\r` before `\n` is dropped; an unfinished
 * last line is written when console$ completes. The file is complete when console$ ends.
 */
export function consoleTranscript(session: TapSession): Subscription {
  const file = openLineFile(session.options['file'] ?? CONSOLE_TRANSCRIPT_FILE, 'console');
  const decoder = new TextDecoder();
  let line = '';
  let lineIcount: number | null = null;
  let lastIcount = 0;
  const emitLine = (): void => {
    file.write(`[${String(lineIcount).padStart(10)}] ${line.endsWith('\r') ? line.slice(0, -1) : line}`);
    line = '';
    lineIcount = null;
  };
  const finish = (): void => {
    line += decoder.decode();
    if (line !== '') lineIcount ??= lastIcount;
    if (lineIcount !== null) emitLine();
    file.close();
  };
  const subscription = session.console$.subscribe({
    next: ({ icount, bytes }) => {
      lastIcount = icount;
      const parts = decoder.decode(bytes, { stream: true }).split('\n');
      parts.forEach((part, i) => {
        const last = i === parts.length - 1;
        if (part !== '' || !last) lineIcount ??= icount;
        line += part;
        if (!last) emitLine();
      });
    },
    error: finish,
    complete: finish,
  });
  subscription.add(() => file.close());
  return subscription;
}
