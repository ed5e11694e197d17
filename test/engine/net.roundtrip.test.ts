// NET_RX (issue 8, items 1, 3 and 5): net-echo recorded with the peer's frames fed as `--net`
// feeds them (NET_RX input of netdev 0 at timed moments, a burst larger than the receive
// ring); the replay prints the same, reaches the same state and transmits the same frames;
// time travel hands each transmitted frame on once however often it goes back; a snapshot
// file taken between two frames of the burst resumes to the recorded end; frames that
// arrive together keep their order and wait for receive buffers; a NET_RX for a netdev the
// machine lacks is a divergence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSnapshot, LogReader } from '../../codecs/index.js';
import type { EventKind, RrEvent } from '../../src/core/event.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { DivergenceError } from '../../src/engine/divergence.js';
import type { FamilyIo, HostInput } from '../../src/engine/families/event-family.js';
import { netRxFamily } from '../../src/engine/families/net-rx.js';
import { InputQueue } from '../../src/engine/input-queue.js';
import { replaySession } from '../../src/engine/replay-session.js';
import { replayIo } from '../../src/engine/replay-io.js';
import { TimeTravelSession } from '../../src/engine/time-travel-session.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import type { Machine } from '../../src/machine/machine.js';
import { MemoryMap } from '../../src/machine/memory-map.js';
import { BURST, GUEST_MAC_TEXT, expectedConsole, peerScript } from '../examples/net-peer.js';
import { readEvents, recordGuest, replayLog, rewriteLog, tempDir, REPO_ROOT, type Recording } from './harness.js';

const temp = tempDir('net');
afterAll(temp.remove);

const ELF = join(REPO_ROOT, 'examples', 'net-echo', 'net-echo.elf');
const NET = [{ kind: 'virtio-net' as const, netdev: 0, mac: GUEST_MAC_TEXT }];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let rec: Recording;
const recordedTx: string[] = [];

beforeAll(async () => {
  const netFrames = peerScript(GUEST_MAC_TEXT, 5).map((step) => ({ delayMs: step.afterMs, frame: step.frame }));
  rec = await recordGuest({ elf: ELF, logPath: temp.path('net.rrlog'), virtio: NET, netFrames, onNetTx: (f) => recordedTx.push(hex(f)) });
}, 60_000);

describe('NET_RX recording and replay', () => {
  it('records one NET_RX per frame, in arrival order, and replays the same console, state and transmitted frames', async () => {
    expect(rec.console.toString('latin1')).toBe(expectedConsole(GUEST_MAC_TEXT));
    const frames = peerScript(GUEST_MAC_TEXT).map((s) => hex(s.frame));
    const rx = readEvents(rec.logPath).events.filter((e): e is Extract<RrEvent, { kind: 'NET_RX' }> => e.kind === 'NET_RX');
    expect(rx.map((e) => hex(e.frame))).toEqual(frames);
    expect(recordedTx).toHaveLength(frames.length - 1);
    const replayedTx: string[] = [];
    const replay = await replayLog(rec.logPath, { onNetTx: (f) => replayedTx.push(hex(f)) });
    expect(replay.console.equals(rec.console)).toBe(true);
    expect(replay.digest).toBe(rec.digest);
    expect(replayedTx).toEqual(recordedTx);
  });

  it('time travel hands each transmitted frame on once, however often it goes back', async () => {
    const reader = LogReader.open(rec.logPath);
    const image = parseElf(readFileSync(ELF), MemoryMap.RAM, reader.header.ramBytes);
    const seen: string[] = [];
    const tt = new TimeTravelSession({ image, reader, onConsole: () => {}, onNetTx: (_n, f) => seen.push(hex(f)), snapshotEvery: 5000 });
    const end = rec.footer.endIcount;
    for (const target of [Math.floor(end / 2), Math.floor(end / 4), end, 0, Math.floor((3 * end) / 4), end]) await tt.seek(target);
    expect(tt.icount).toBe(end);
    expect(seen).toEqual(recordedTx);
    expect(fullStateDigest(tt.session.machine, tt.session.output)).toBe(rec.digest);
  });

  it('a snapshot file taken between two frames of the burst resumes to the recorded end', async () => {
    const reader = LogReader.open(rec.logPath);
    const image = parseElf(readFileSync(ELF), MemoryMap.RAM, reader.header.ramBytes);
    const rx = [...reader.events()].filter((e) => e.kind === 'NET_RX');
    // Stop just before the tenth burst frame is applied: earlier ones are in guest buffers, later ones still in the log.
    const target = rx[5 + 9]!;
    const head = replaySession({ image, reader, maxInsns: target.icount, onConsole: () => {} });
    await head.run();
    const bytes = encodeSnapshot(head.snapshot());
    const tailTx: string[] = [];
    const tail = replaySession({
      image,
      reader: LogReader.open(rec.logPath),
      maxInsns: Infinity,
      onConsole: () => {},
      onNetTx: (_n, f) => tailTx.push(hex(f)),
      from: { bytes, name: 'mid-burst.rrsnap' },
    });
    await tail.run();
    expect(fullStateDigest(tail.session.machine, tail.session.output)).toBe(rec.digest);
    expect(tailTx.length).toBeGreaterThan(0);
    expect(recordedTx.slice(-tailTx.length)).toEqual(tailTx);
  });

  it('a NET_RX for a netdev the machine lacks is a divergence that names it', async () => {
    const path = temp.path('no-netdev.rrlog');
    rewriteLog(rec.logPath, path, { events: (events) => events.map((e) => (e.kind === 'NET_RX' ? { ...e, netdev: 3 } : e)) });
    const err = await replayLog(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(String((err as Error).message)).toMatch(/netdev 3 took no frame/);
  });
});

describe('frames that arrive in one slice', () => {
  /** A machine stand-in whose netdev 0 has `buffers` receive buffers; records what it took. */
  function fakeMachine(buffers: number) {
    const taken: number[] = [];
    const machine = {
      deliverNet: (netdev: number, frame: Uint8Array) => {
        if (netdev !== 0 || buffers === 0) return false;
        buffers--;
        taken.push(frame[0]!);
        return true;
      },
      more: (n: number) => (buffers += n),
    };
    return { machine, taken };
  }
  const io: FamilyIo = replayIo([]);
  const frame = (n: number): HostInput => netRxFamily.capture({ netdev: 0, frame: Uint8Array.of(n, 0xee) })!;

  it('are applied in arrival order, each its own event, as far as receive buffers go; the rest waits in order', () => {
    const { machine, taken } = fakeMachine(3);
    const queue = new InputQueue();
    for (let n = 1; n <= 7; n++) queue.push(frame(n));
    const applied: { kind: EventKind; first: number }[] = [];
    const deliver = () =>
      queue.deliver(machine as unknown as Machine, io, (input) => applied.push({ kind: input.family.kind, first: (input.payload as { frame: Uint8Array }).frame[0]! }));
    deliver();
    expect(taken).toEqual([1, 2, 3]);
    expect(applied).toEqual([1, 2, 3].map((first) => ({ kind: 'NET_RX', first })));
    expect(queue.pending).toBe(true);
    deliver();
    expect(taken).toEqual([1, 2, 3]);
    queue.push(frame(8));
    machine.more(10);
    deliver();
    expect(taken).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(applied.map((a) => a.first)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(queue.pending).toBe(false);
  });

  it(`a burst of ${BURST} frames, more than the guest's 16 receive buffers, is recorded whole and in order, the surplus later`, () => {
    const rx = readEvents(rec.logPath).events.filter((e): e is Extract<RrEvent, { kind: 'NET_RX' }> => e.kind === 'NET_RX');
    const burst = rx.slice(5, 5 + BURST);
    burst.forEach((e, i) => expect(Buffer.from(e.frame).toString('latin1').endsWith(`burst ${i}`), `frame ${i}`).toBe(true));
    // All arrived in one host tick: at most 16 fit at the first checkpoint, the others waited for buffers.
    const atFirst = burst.filter((e) => e.icount === burst[0]!.icount).length;
    expect(atFirst).toBeLessThanOrEqual(16);
    expect(burst[BURST - 1]!.icount).toBeGreaterThan(burst[0]!.icount);
  });
});
