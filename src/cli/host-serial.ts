import { accessSync } from 'node:fs';
import { EMPTY, filter, map, merge, mergeMap, type Observable, type Subscription } from 'rxjs';
import { inputScript$, parseInputScript, type ScriptInput } from '../../streams/sources/input-script.js';
import { terminalKeys } from '../../streams/sources/terminal-keys.js';
import { serialFile$ } from '../../streams/sources/serial-file.js';
import { serialIn$ } from '../../streams/sources/serial-in.js';
import { RrvmError } from '../core/rrvm-error.js';
import type { HostInput } from '../engine/families/event-family.js';
import { serialFamily } from '../engine/families/serial.js';
import { inputFamily } from '../engine/families/input.js';
import { INPUT_DEVICES, type InputDeviceKind } from '../machine/devices/virtio/virtio-input.js';
import { InputQueue } from '../engine/input-queue.js';
import { readInputFile } from './load-guest.js';

const CTRL_A = 0x01;
const CTRL_C = 0x03;

/** Where serial input comes from: a file, a timed script, or (default) stdin; `--keyboard tty` takes stdin for the keyboard. */
export interface SerialInputOptions {
  serialIn?: string;
  inputScript?: string;
  /** `--keyboard [tty]`: true attaches a keyboard; 'tty' also feeds it from the terminal. */
  keyboard?: true | 'tty';
}

/** The host serial input of a live session. */
export interface HostSerial {
  /** The session's input queue, fed with the serial source tagged by its family. */
  queue: InputQueue;
  /** stdin is a terminal in raw mode. */
  interactive: boolean;
  /** The input devices the input script sends to (the machine needs them). */
  scriptDevices: InputDeviceKind[];
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

/** A script input tagged with the family that applies it. */
export function scriptInput(input: ScriptInput): HostInput | null {
  return 'serial' in input ? serialFamily.capture(input.serial) : inputFamily.capture(input.input);
}

/** Keys typed in a raw-mode terminal for the keyboard; Ctrl-C and Ctrl-A X quit. */
function terminalKeyboard(stdin: NodeJS.ReadStream, onQuit: (reason: string) => void): Observable<HostInput | null> {
  if (stdin.isTTY !== true) throw new RrvmError('cli.usage', '--keyboard tty needs a terminal on stdin');
  return serialIn$(stdin).pipe(
    filter((bytes) => {
      if (bytes.includes(CTRL_C)) onQuit('Ctrl-C pressed');
      return !bytes.includes(CTRL_C);
    }),
    terminalEscapes(onQuit),
    mergeMap((bytes) => terminalKeys(bytes)),
    map((action) => inputFamily.capture(action)),
  );
}

/**
 * Opens the input sources named by the options (serial from a file, a script or stdin; the
 * script's keyboard and mouse lines; the terminal's keys with `--keyboard tty`) and feeds them,
 * tagged, into an InputQueue, merged with the `others` host sources (network frames): the
 * queue closes once all have ended.
 */
export function hostSerial(options: SerialInputOptions, onQuit: (reason: string) => void, others: readonly Observable<HostInput | null>[] = []): HostSerial {
  const stdin = process.stdin;
  let source: Observable<HostInput | null>;
  let interactive = false;
  let scriptDevices: InputDeviceKind[] = [];
  if (options.serialIn !== undefined && options.inputScript !== undefined) {
    throw new RrvmError('cli.usage', '--serial-in and --input-script cannot be used together');
  }
  if (options.serialIn !== undefined) {
    try {
      accessSync(options.serialIn);
    } catch {
      throw new RrvmError('input.read', `cannot read serial input '${options.serialIn}': no such file`);
    }
    source = serialFile$(options.serialIn).pipe(map((bytes) => serialFamily.capture(bytes)));
  } else if (options.inputScript !== undefined) {
    const text = readInputFile(options.inputScript, 'input script').toString('utf8');
    const lines = parseInputScript(text, options.inputScript);
    const used = new Set(lines.flatMap((l) => (l.input ?? []).map((a) => a.device)));
    scriptDevices = INPUT_DEVICES.filter((_, i) => used.has(i));
    source = inputScript$(lines).pipe(map(scriptInput));
  } else if (options.keyboard === 'tty') {
    source = EMPTY;
  } else if (stdin.isTTY === true) {
    interactive = true;
    stdin.setRawMode(true);
    source = serialIn$(stdin).pipe(terminalEscapes(onQuit), map((bytes) => serialFamily.capture(bytes)));
  } else {
    source = serialIn$(stdin).pipe(map((bytes) => serialFamily.capture(bytes)));
  }
  if (options.keyboard === 'tty') {
    source = merge(source, terminalKeyboard(stdin, onQuit));
    interactive = true;
    stdin.setRawMode(true);
  }
  const queue = new InputQueue();
  let failure: Error | null = null;
  const subscription: Subscription = merge(source, ...others).subscribe({
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
    scriptDevices,
    failure: () => failure,
    detach: () => {
      subscription.unsubscribe();
      if (interactive) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
