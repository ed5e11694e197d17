import type { Subscription } from 'rxjs';
import type { RrEvent } from '../../src/core/event.js';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `events-jsonl` tap. */
export const EVENTS_JSONL_FILE = 'events.jsonl';

/**
 * Built-in tap `events-jsonl[=FILE]`: writes every event as one JSON line to `options.file`
 * (default events.jsonl), `kind`, `icount`, `seq` first, byte payloads as lowercase hex.
 * The file is complete when events$ completes or errors (or the tap is unsubscribed).
 */
export function eventsJsonl(session: TapSession): Subscription {
  const file = openLineFile(session.options['file'] ?? EVENTS_JSONL_FILE, 'events-jsonl');
  const subscription = session.events$.subscribe({
    next: (e) => file.write(eventJson(e)),
    error: () => file.close(),
    complete: () => file.close(),
  });
  subscription.add(() => file.close());
  return subscription;
}

/** One event as a JSON line: stamp first, then the payload fields in their declared order. */
export function eventJson(e: RrEvent): string {
  const { kind, icount, seq, ...payload } = e;
  const out: Record<string, unknown> = { kind, icount, seq };
  for (const [key, value] of Object.entries(payload)) {
    out[key] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') : value;
  }
  return JSON.stringify(out);
}
