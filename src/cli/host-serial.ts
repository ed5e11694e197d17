import { accessSync } from 'node:fs';
import { map, merge, type Observable, type Subscription } from 'rxjs';
import { inputScript$, parseInputScript } from '../../streams/sources/input-script.js';
import { serialFile$ } from '../../streams/sources/serial-file.js';
import { serialIn$ } from '../../streams/sources/serial-in.js';
import { RrvmError } from '../core/rrvm-error.js';
import type { HostInput } from '../engine/families/event-family.js';
import { serialFamily } from '../engine/families/serial.js';
import { InputQueue } from '../engine/input-queue.js';
import { readInputFile } from './load-guest.js';

const CTRL_A = 0x01;

/** Where serial input comes from: a file, a timed script, or (default) stdin. */
export interface SerialInputOptions {
  serialIn?: string;
  inputScript?: string;
}

/** The host serial input of a live session. */
export interface HostSerial {
  /** The session's input queue, fed with the serial source tagged by its family. */
  queue: InputQueue;
  /** stdin is a terminal in raw mode. */
  interactive: boolean;
  /** A read error of the source, if it failed (reported after the run). */
  readonly failure: () => Error | null;
  /** Stops reading and restores the terminal. */
  detach(): void;
}

/**
 * On a terminal, Ctrl-A X quits and Ctrl-A Ctrl-A sends one Ctrl-A (QEMU's escapes); every
 * other byte goes to the guest, Ctrl-C included.
 */
function terminalEscapes(onQuit: (reason: string) => void): (source: Observable<Uint8Array>) => Observable<Uint8Array> {
  let escape = false;
  return map((data) => {
    const out: number[] = [];
    for (const byte of data) {
      if (escape) {
        escape = false;
        if (byte === 0x78 || byte === 0x58) onQuit('Ctrl-A X pressed');
        else if (byte === CTRL_A) out.push(CTRL_A);
      } else if (byte === CTRL_A) escape = true;
      else out.push(byte);
    }
    return Uint8Array.from(out);
  });
}

/**
 * Opens the serial input source named by the options and feeds it, tagged, into an InputQueue,
 * merged with the `others` host sources (network frames): the queue closes once all have ended.
 */
export function hostSerial(options: SerialInputOptions, onQuit: (reason: string) => void, others: readonly Observable<HostInput | null>[] = []): HostSerial {
  const stdin = process.stdin;
  let source: Observable<Uint8Array>;
  let interactive = false;
  if (options.serialIn !== undefined && options.inputScript !== undefined) {
    throw new RrvmError('cli.usage', '--serial-in and --input-script cannot be used together');
  }
  if (options.serialIn !== undefined) {
    try {
      accessSync(options.serialIn);
    } catch {
      throw new RrvmError('input.read', `cannot read serial input '${options.serialIn}': no such file`);
    }
    source = serialFile$(options.serialIn);
  } else if (options.inputScript !== undefined) {
    const text = readInputFile(options.inputScript, 'input script').toString('utf8');
    source = inputScript$(parseInputScript(text, options.inputScript)).pipe(map((input) => input.serial));
  } else if (stdin.isTTY === true) {
    interactive = true;
    stdin.setRawMode(true);
    source = serialIn$(stdin).pipe(terminalEscapes(onQuit));
  } else {
    source = serialIn$(stdin);
  }
  const queue = new InputQueue();
  let failure: Error | null = null;
  const subscription: Subscription = merge(source.pipe(map((bytes) => serialFamily.capture(bytes))), ...others).subscribe({
    next: (input) => queue.push(input),
    complete: () => queue.close(),
    error: (err: Error) => {
      failure = err;
      queue.close();
    },
  });
  return {
    queue,
    interactive,
    failure: () => failure,
    detach: () => {
      subscription.unsubscribe();
      if (interactive) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
