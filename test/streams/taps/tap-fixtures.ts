import { Subject } from 'rxjs';
import type { RrEvent } from '../../../src/core/event.js';
import type { TapSession } from '../../../streams/taps/tap.js';
import { ExecStreams } from '../../../streams/exec-streams.js';

/** A replay-mode session driven by hand: push into `events` and `console`, then complete them. */
export function fakeSession(options: Record<string, string> = {}) {
  const events = new Subject<RrEvent>();
  const console = new Subject<{ icount: number; bytes: Uint8Array }>();
  const session: TapSession = { mode: 'replay', events$: events.asObservable(), console$: console.asObservable(), exec: new ExecStreams(), options };
  return { session, events, console };
}
