// The order in which a recording stamps host input (DESIGN §4, §5), in virtual time: key and
// mouse groups and network frames arrive from their sources at host moments (marble frames),
// wait in the InputQueue, and LiveMode applies them at checkpoints to a machine whose devices
// have a given number of buffers. The events stream must carry each INPUT with its evdev
// events in order, SYN_REPORT closing each group, a group cut only where the buffers ran out,
// and frames that arrive in one slice as one NET_RX each, in arrival order.
import { merge, type Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import { describe, it } from 'vitest';
import type { RrEvent } from '../../src/core/event.js';
import { inputFamily } from '../../src/engine/families/input.js';
import { netRxFamily } from '../../src/engine/families/net-rx.js';
import { InputQueue } from '../../src/engine/input-queue.js';
import { LiveMode } from '../../src/engine/live-mode.js';
import { replayIo } from '../../src/engine/replay-io.js';
import type { SessionContext } from '../../src/engine/session-mode.js';
import { EventStream } from '../../streams/event-stream.js';
import { keyAction, mouseAction, type InputAction } from '../../streams/sources/input-actions.js';
import { newScheduler } from '../streams/stream-fixtures.js';

const SYN_REPORT = [0, 0, 0];
const KEY = 1;
const [KEY_A, KEY_B, KEY_LEFTSHIFT] = [30, 48, 42];

/** A machine stand-in: eventq buffers per input device (0 keyboard, 1 mouse) and receive buffers of netdev 0. */
class FakeMachine {
  icount = 0;
  constructor(readonly buffers: { input: number[]; net: number }) {}

  deliverInput(device: number, events: readonly number[]): number {
    const taken = Math.min(this.buffers.input[device] ?? 0, events.length / 3);
    this.buffers.input[device]! -= taken;
    return taken;
  }

  deliverNet(netdev: number, _frame: Uint8Array): boolean {
    if (netdev !== 0 || this.buffers.net === 0) return false;
    this.buffers.net--;
    return true;
  }
}

/** Host sources feeding one queue, checkpoints at the icounts `checkpoints$` emits (after `refill` ran). */
function record(
  machine: FakeMachine,
  sources: { input?: Observable<InputAction>; frames?: Observable<Uint8Array> },
  checkpoints$: Observable<number>,
  refill: (machine: FakeMachine, icount: number) => void = () => {},
): EventStream {
  const queue = new InputQueue();
  const events = new EventStream();
  const mode = new LiveMode(queue, events, { idle: 'skip', interactive: false, checkpointEvery: Infinity }, replayIo([]));
  mode.attach({ machine, output: null } as unknown as SessionContext);
  const input$ = sources.input?.pipe(map((action) => inputFamily.capture(action))) ?? [];
  const frames$ = sources.frames?.pipe(map((frame) => netRxFamily.capture({ netdev: 0, frame }))) ?? [];
  merge(input$, frames$).subscribe((input) => queue.push(input));
  checkpoints$.subscribe((icount) => {
    machine.icount = icount;
    refill(machine, icount);
    mode.checkpoint();
  });
  return events;
}

const input = (device: number, events: number[], icount: number, seq: number): RrEvent => ({ kind: 'INPUT', device, events, icount, seq });
const netRx = (frame: Uint8Array, icount: number, seq: number): RrEvent => ({ kind: 'NET_RX', netdev: 0, frame, icount, seq });
const frame = (n: number): Uint8Array => Uint8Array.of(n, 0x88, 0xb5);

describe('LiveMode stamping host input', () => {
  it('gives each key group its SYN_REPORT, merges one device’s groups of a slice, and keeps arrival order across devices', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const machine = new FakeMachine({ input: [32, 32], net: 0 });
      const keys = { a: keyAction('KEY_A', true), b: keyAction('KEY_A', false), c: keyAction('KEY_B', true), m: mouseAction(5, -3, 0) };
      const events = record(machine, { input: hot('-a-ab-m-b-------c', keys) }, cold('-----------x------y', { x: 100, y: 200 }));
      expectObservable(events.events$).toBe('-----------(pqr)--s', {
        // a, a, b of the keyboard arrived together: one INPUT; the mouse's group came between b and the last b.
        p: input(0, [KEY, KEY_A, 1, ...SYN_REPORT, KEY, KEY_A, 1, ...SYN_REPORT, KEY, KEY_A, 0, ...SYN_REPORT], 100, 0),
        q: input(1, [2, 0, 5, 2, 1, -3, ...SYN_REPORT], 100, 1),
        r: input(0, [KEY, KEY_A, 0, ...SYN_REPORT], 100, 2),
        s: input(0, [KEY, KEY_B, 1, ...SYN_REPORT], 200, 3),
      });
    });
  });

  it('cuts a group where the eventq runs out of buffers; the rest, SYN_REPORT last, comes at the next checkpoint with buffers', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const machine = new FakeMachine({ input: [3, 0], net: 0 });
      const keys = { s: keyAction('KEY_LEFTSHIFT', true), a: keyAction('KEY_A', true) };
      // No buffer is given back at icount 200: nothing is applied (and nothing stamped) there.
      const refill = (m: FakeMachine, icount: number) => icount === 300 && (m.buffers.input[0] = 8);
      const events = record(machine, { input: hot('-sa', keys) }, cold('-----x----y----z', { x: 100, y: 200, z: 300 }), refill);
      expectObservable(events.events$).toBe('-----x---------z', {
        x: input(0, [KEY, KEY_LEFTSHIFT, 1, ...SYN_REPORT, KEY, KEY_A, 1], 100, 0),
        z: input(0, [...SYN_REPORT], 300, 1),
      });
    });
  });

  it('applies frames that arrive in one slice in arrival order, one NET_RX each, as far as receive buffers go; the rest wait in order', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const machine = new FakeMachine({ input: [0, 0], net: 2 });
      const frames = { a: frame(1), b: frame(2), c: frame(3), d: frame(4), e: frame(5) };
      const refill = (m: FakeMachine, icount: number) => icount === 200 && (m.buffers.net = 16);
      const events = record(machine, { frames: hot('-a(bc)d---e', frames) }, cold('-------x------y', { x: 100, y: 200 }), refill);
      expectObservable(events.events$).toBe('-------(ab)---(cde)', {
        a: netRx(frames.a, 100, 0),
        b: netRx(frames.b, 100, 1),
        c: netRx(frames.c, 200, 2),
        d: netRx(frames.d, 200, 3),
        e: netRx(frames.e, 200, 4),
      });
    });
  });

  it('interleaves frames and key groups of one slice in arrival order; a frame waiting for a buffer holds up no key', () => {
    newScheduler().run(({ hot, cold, expectObservable }) => {
      const machine = new FakeMachine({ input: [32, 0], net: 1 });
      const refill = (m: FakeMachine, icount: number) => icount === 200 && (m.buffers.net = 1);
      const events = record(
        machine,
        { input: hot('--k-----', { k: keyAction('KEY_B', true) }), frames: hot('-a--b---', { a: frame(1), b: frame(2) }) },
        cold('------x-----y', { x: 100, y: 200 }),
        refill,
      );
      expectObservable(events.events$).toBe('------(ak)--b', {
        a: netRx(frame(1), 100, 0),
        k: input(0, [KEY, KEY_B, 1, ...SYN_REPORT], 100, 1),
        b: netRx(frame(2), 200, 2),
      });
    });
  });
});
