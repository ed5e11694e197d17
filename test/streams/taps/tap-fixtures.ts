import { Subject } from 'rxjs';
import type { RrEvent } from '../../../src/core/event.js';
import type { NetTxFrame, TapSession } from '../../../streams/taps/tap.js';
import { ExecStreams } from '../../../streams/exec-streams.js';

/** A replay-mode session driven by hand: push into `events`, `console` and `netTx`, then complete them. */
export function fakeSession(options: Record<string, string> = {}) {
  const events = new Subject<RrEvent>();
  const console = new Subject<{ icount: number; bytes: Uint8Array }>();
  const netTx = new Subject<NetTxFrame>();
  const session: TapSession = { mode: 'replay', events$: events.asObservable(), console$: console.asObservable(), netTx$: netTx.asObservable(), exec: new ExecStreams(), options };
  return { session, events, console, netTx };
}
