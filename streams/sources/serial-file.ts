import { readFile } from 'node:fs/promises';
import { Observable } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Serial input from a file (`--serial-in FILE`): the whole file as one emission, read when
 * subscribed, then completion (no emission for an empty file). A read failure is RrvmError
 * `input.read` ("cannot read serial input 'x': no such file").
 */
export function serialFile$(path: string): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    readFile(path).then(
      (data) => {
        if (data.length > 0) subscriber.next(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        subscriber.complete();
      },
      (err: NodeJS.ErrnoException) => {
        const reason = REASONS[err.code ?? ''] ?? err.message;
        subscriber.error(new RrvmError('input.read', `cannot read serial input '${path}': ${reason}`));
      },
    );
  });
}
