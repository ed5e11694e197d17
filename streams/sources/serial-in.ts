import { Observable } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';

/**
 * Serial input from a host stream (stdin, a pipe, a socket): each data chunk as a fresh
 * Uint8Array (a copy, never empty), completing at end of input; a read error is emitted as
 * RrvmError `input.read`. Unsubscribing removes the listeners and pauses the stream (so the
 * process can exit) but does not destroy it. Terminal raw mode is the caller's business.
 */
export function serialIn$(stream: NodeJS.ReadableStream): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    if ((stream as { readableEnded?: boolean }).readableEnded === true) {
      subscriber.complete();
      return;
    }
    const onData = (chunk: Buffer | string): void => {
      // NB: copy: a Buffer may be a view into a shared pool that the stream reuses.
      const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
      if (bytes.length > 0) subscriber.next(bytes);
    };
    const onEnd = (): void => subscriber.complete();
    const onError = (err: Error): void =>
      subscriber.error(new RrvmError('input.read', `cannot read serial input: ${err.message}`));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    return () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
    };
  });
}
