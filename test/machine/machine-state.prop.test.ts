// The state contract (Machine.save/restore, digests): every piece of state is in a digest,
// every data field of a state holder is in its save(), a restore puts back exactly what was
// saved, and code cached from RAM (decoded instructions, compiled blocks) never survives a
// restore that changed the RAM under it, even when the snapshot comes from another machine.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { fullStateDigest } from '../../src/engine/checkpoint-digest.js';
import { ReplayMode, type ReplayPosition } from '../../src/engine/replay-mode.js';
import { Session, type SavedSession } from '../../src/engine/session.js';
import type { ElfImage } from '../../src/machine/elf-image.js';
import { parseElf } from '../../src/machine/elf-loader.js';
import { Machine, type MachineDigests } from '../../src/machine/machine.js';
import { DEFAULT_RAM_BYTES, MemoryMap } from '../../src/machine/memory-map.js';
import { hex, RunningHash } from '../../src/machine/running-hash.js';
import type { StateRecord, StateValue } from '../../src/machine/state.js';
import { bytesOf, guestElf, recordGuest, tempDir, type ExampleGuest, type Recording } from '../engine/harness.js';
import * as A from './cpu/asm.js';
import { BASE, machineWith } from './cpu/harness.js';

const temp = tempDir('machine-state');
afterAll(temp.remove);

const HOST_NS = 1_700_000_000_123_456_789;

function image(guest: ExampleGuest): ElfImage {
  return parseElf(readFileSync(guestElf(guest)), MemoryMap.RAM, DEFAULT_RAM_BYTES);
}

/** A bare machine (no session) with `guest` loaded and a fixed host clock. */
function bareMachine(guest: ExampleGuest): Machine {
  const ports = { clock: () => HOST_NS, random: (n: number) => new Uint8Array(n), blockIo: () => {}, defer: () => 0, netTx: () => {}, audioStream: () => {} };
  const m = new Machine({ ramBytes: DEFAULT_RAM_BYTES, icountShift: 3 }, ports);
  m.load(image(guest));
  return m;
}

/** The three sub-digests as hex. */
function digestsOf(m: Machine): { hart: string; ram: string; devices: string } {
  const d: MachineDigests = m.digests();
  return { hart: hex(d.hart), ram: hex(d.ram), devices: hex(d.devices) };
}

/** A value of the same shape as `v` that differs from it (driven by `n`, any natural number). */
function changed(v: StateValue, n: number): StateValue {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v + 1 + (n % 1000);
    return v === 7 ? 8 : 7; // Infinity, huge ns: a plain different number
  }
  if (v instanceof Uint8Array || v instanceof Int32Array || v instanceof Uint32Array) {
    if (v.length === 0) {
      const grown = new (v.constructor as Uint8ArrayConstructor)(1);
      grown[0] = 1 + (n % 255);
      return grown;
    }
    const copy = v.slice();
    const i = n % copy.length;
    copy[i] = copy[i]! ^ (1 << (Math.floor(n / copy.length) % 8));
    return copy;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) throw new Error('cannot change an empty array field');
    const copy = [...v];
    const i = n % copy.length;
    copy[i] = changed(copy[i]!, Math.floor(n / copy.length));
    return copy;
  }
  throw new Error(`no mutation for ${String(v)}`);
}

type Holder = 'cpu' | 'clock' | 'clint' | 'plic' | 'uart' | 'rtc';
const HOLDERS: readonly Holder[] = ['cpu', 'clock', 'clint', 'plic', 'uart', 'rtc'];
const holderOf = (m: Machine, h: Holder): { save(): StateRecord; restore(s: StateRecord): void } => m[h];

describe('state digests', () => {
  let m: Machine;
  let tohost: number | undefined;
  beforeAll(() => {
    // The echo guest programs the PLIC and the UART; give it some input so RX state is not all reset values.
    m = bareMachine('echo');
    tohost = image('echo').tohost;
    m.run(20_000);
    const idleAt = m.icount;
    expect(m.cpu.waiting).toBe(true);
    // One byte at a time (no FIFO): each wakes the guest, which echoes it and sleeps again.
    for (const byte of bytesOf('ab')) {
      expect(m.deliverSerial(Uint8Array.of(byte))).toBe(1);
      m.run(m.icount + 20_000);
    }
    expect(m.icount).toBeGreaterThan(idleAt);
    expect(Buffer.from(m.takeConsoleOutput()).toString('latin1')).toMatch(/ab$/);
    m.deliverSerial(bytesOf('c')); // left unread in the UART
  });

  const piece = fc.oneof(
    fc.record({ kind: fc.constant('field' as const), holder: fc.constantFrom(...HOLDERS), field: fc.nat(), n: fc.nat() }),
    // Anywhere in RAM (nearly always a page never written), or in the first 64 KiB (code, data, stack-free).
    fc.record({ kind: fc.constant('ram' as const), offset: fc.oneof(fc.nat(DEFAULT_RAM_BYTES - 1), fc.nat(0xffff)), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('bias' as const), n: fc.integer({ min: 1, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('halt' as const), code: fc.nat(100) }),
  );

  it('changes the full-state digest (and only the right sub-digest) for any one piece of state changed, and not after undoing it', () => {
    const output = new RunningHash();
    output.bytes(bytesOf('console so far'));
    const before = digestsOf(m);
    const full = fullStateDigest(m, output);
    fc.assert(
      fc.property(piece, (p) => {
        let part: 'hart' | 'ram' | 'devices';
        let undo: () => void;
        let what: string;
        switch (p.kind) {
          case 'field': {
            const holder = holderOf(m, p.holder);
            const saved = holder.save();
            const fields = Object.keys(saved);
            const field = fields[p.field % fields.length]!;
            holder.restore({ ...saved, [field]: changed(saved[field]!, p.n) });
            part = p.holder === 'cpu' ? 'hart' : 'devices';
            undo = () => holder.restore(saved);
            what = `${p.holder}.${field}`;
            break;
          }
          case 'ram': {
            let offset = p.offset;
            if (tohost !== undefined && offset >= tohost - MemoryMap.RAM - 3 && offset < tohost - MemoryMap.RAM + 4) offset += 8; // not the HTIF word
            const old = m.ram.u8[offset]!;
            // Through the store path, as a guest store would: a store into a page never written must be seen too.
            m.ram.write(offset, 1, old ^ (1 << p.bit));
            part = 'ram';
            undo = () => m.ram.write(offset, 1, old);
            what = `RAM byte 0x${offset.toString(16)}`;
            break;
          }
          case 'bias': {
            const bias = m.clock.biasNs;
            m.clock.biasNs += p.n;
            part = 'devices';
            undo = () => (m.clock.biasNs = bias);
            what = 'clock bias';
            break;
          }
          case 'halt': {
            const halted = m.halted;
            m.halted = p.code === 0 ? { kind: 'pass' } : { kind: 'fail', code: p.code };
            part = 'devices';
            undo = () => (m.halted = halted);
            what = 'halt state';
            break;
          }
        }
        const after = digestsOf(m);
        expect(fullStateDigest(m, output), what).not.toBe(full);
        for (const k of ['hart', 'ram', 'devices'] as const) {
          if (k === part) expect(after[k], `${what}: ${k} digest`).not.toBe(before[k]);
          else expect(after[k], `${what}: ${k} digest`).toBe(before[k]);
        }
        undo();
        expect(digestsOf(m), `${what} undone`).toEqual(before);
        expect(fullStateDigest(m, output), `${what} undone`).toBe(full);
      }),
      { numRuns: 300 },
    );
  });

  it('changes the full-state digest when only the console output differs', () => {
    const a = new RunningHash();
    const b = new RunningHash();
    a.bytes(bytesOf('tick 1\n'));
    b.bytes(bytesOf('tick 2\n'));
    expect(fullStateDigest(m, a)).not.toBe(fullStateDigest(m, b));
  });
});

/**
 * Own fields of state holders that are not state, and why. Everything else that holds a
 * number, a boolean or a typed array (or an array of those) must be a key of save().
 */
const NOT_STATE: Record<Holder, readonly string[]> = {
  cpu: [
    'excepted', // set and cleared within one instruction's trap path
    'sliceLimit', // where the current run() returns: engine scheduling, not guest state
    'runBase', // icount at the start of the current run() (compiled blocks derive icount from it)
    'breakpointHit', // a debugger stop flag, cleared by the debugger and by restore
    'steppingOver', // a breakpoint lifted for one step by the debugger
    'decodedWord', // predecode cache of RAM
    'decodedImm', // predecode cache of RAM
    'xlate', // derived from priv, mstatus and PMP; recomputed by restore and by run()
    'fetchVpn', // a cached translation of the fetch page, forgotten by restore and by run()
    'fetchPageOffset', // the same cache's RAM offset
    'stoppedAtLimit', // where code gets compiled (not what it computes): a heuristic of the run loop
    'leftByJalr', // likewise: whether the interpreter goes on at a JALR's target
    'flaggedStore', // a store compiled code left for the run loop to finish: -1 again before run() returns
    'flaggedInfo', // that store's size and length
  ],
  clock: [
    'nsPerInsn', // 2^shift, from the machine config
    'shift', // the machine config (log header)
  ],
  clint: [],
  plic: [],
  uart: [
    'msr', // a constant (modem lines always up)
    'irqNumber', // wiring: which PLIC source the UART drives
  ],
  rtc: [
    'irqNumber', // wiring: which PLIC source the RTC drives
  ],
};

function isDataValue(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'boolean') return true;
  if (ArrayBuffer.isView(v)) return true;
  return Array.isArray(v) && v.every(isDataValue);
}

describe('save() covers every data field', () => {
  const m = bareMachine('echo');
  for (const h of HOLDERS) {
    it(`${h}: every own number, boolean and typed-array field is saved (or listed as not state)`, () => {
      const holder = holderOf(m, h) as unknown as Record<string, unknown> & { save(): StateRecord };
      const data = Object.keys(holder).filter((k) => isDataValue(holder[k]));
      expect(data.length).toBeGreaterThan(0);
      // The exclusion list must name real fields (a renamed field would make it silently stale).
      for (const k of NOT_STATE[h]) expect(Object.keys(holder), `${h}.${k} in NOT_STATE`).toContain(k);
      const saved = Object.keys(holder.save());
      const missing = data.filter((k) => !NOT_STATE[h].includes(k) && !saved.includes(k));
      expect(missing, `${h} fields missing from save()`).toEqual([]);
    });
  }
});

describe('save, run on, restore (bare machine, cpu-bench)', () => {
  it('restores every digest and runs on to the same digests as the first time', () => {
    const m = bareMachine('cpu-bench');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 1, max: 300_000 }), (at, more) => {
        const start = m.icount + at;
        m.run(start);
        expect(m.icount).toBe(start);
        const saved = m.save();
        const d0 = digestsOf(m);
        m.run(start + more);
        expect(m.icount).toBe(start + more);
        const d1 = digestsOf(m);
        expect(d1).not.toEqual(d0);
        m.restore(saved);
        expect(m.icount).toBe(start);
        expect(digestsOf(m)).toEqual(d0);
        m.run(start + more);
        expect(digestsOf(m)).toEqual(d1);
        // And a save right after a restore (pages shared with the restored save) restores too.
        m.restore(saved);
        const again = m.save();
        m.run(start + more);
        m.restore(again);
        expect(digestsOf(m)).toEqual(d0);
        m.run(start + more);
        expect(digestsOf(m)).toEqual(d1);
      }),
      { numRuns: 12 },
    );
  });
});

describe('save, run on, restore (bare machine, paging: S-mode, Sv32, TLB, PMP)', () => {
  it('restores privilege, S CSRs, satp and PMP, and reaches the same end from any save point', () => {
    const full = bareMachine('paging');
    full.run(1_000_000);
    expect(full.halted).toEqual({ kind: 'pass' });
    const end = digestsOf(full);
    const length = full.icount;
    const m = bareMachine('paging');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: length - 1 }), fc.integer({ min: 1, max: length }), (at, detour) => {
        m.restore(bareMachine('paging').save());
        m.run(at);
        const saved = m.save();
        const d0 = digestsOf(m);
        // Run on (filling the TLB, perhaps changing mode), come back, and finish.
        m.run(Math.min(at + detour, length));
        m.restore(saved);
        expect(digestsOf(m)).toEqual(d0);
        m.run(1_000_000);
        expect(m.halted).toEqual({ kind: 'pass' });
        expect(digestsOf(m)).toEqual(end);
      }),
      { numRuns: 25 },
    );
  });
});

/** A replay of `logPath` driven slice by slice, as the time-travel session drives it. */
class Replay {
  readonly session: Session;
  readonly mode: ReplayMode;
  readonly console: Uint8Array[] = [];
  readonly end: number;

  constructor(logPath: string) {
    const reader = LogReader.open(logPath);
    const img = parseElf(readFileSync(reader.header.elfPath), MemoryMap.RAM, reader.header.ramBytes);
    this.end = reader.footer!.endIcount;
    this.mode = new ReplayMode((seq) => reader.eventChunksFromSeq(seq), new EventStream(), { icount: this.end, complete: true });
    this.session = new Session(img, this.mode, {
      config: { ramBytes: reader.header.ramBytes, icountShift: reader.header.icountShift },
      maxInsns: Infinity,
      onConsole: (bytes) => this.console.push(Uint8Array.from(bytes)),
    });
  }

  get icount(): number {
    return this.session.machine.icount;
  }

  /** Runs to `target` (or the end of the recording); a divergence throws. */
  runTo(target: number): void {
    const limit = Math.min(target, this.end);
    while (this.icount < limit) {
      const outcome = this.session.runSlice(limit);
      if (outcome === 'idle') this.mode.idleDivergence();
      if (outcome !== null) break;
    }
  }

  /** Runs to the end and checks the closing CHECKPOINT and END. */
  finish(): string {
    for (;;) {
      const outcome = this.session.runSlice(this.end);
      if (outcome === 'idle') this.mode.idleDivergence();
      if (outcome !== null) {
        this.mode.finish(outcome);
        break;
      }
      if (this.icount >= this.end) {
        this.mode.finish({ kind: 'limit' });
        break;
      }
    }
    return this.digest();
  }

  digest(): string {
    return fullStateDigest(this.session.machine, this.session.output);
  }

  save(): { session: SavedSession; replay: ReplayPosition } {
    return { session: this.session.save(), replay: this.mode.save() };
  }

  restore(s: { session: SavedSession; replay: ReplayPosition }): void {
    this.session.restore(s.session);
    this.mode.restore(s.replay);
  }
}

describe('save, run on, restore (replays with host input)', () => {
  const recordings: Partial<Record<'clock' | 'echo', Recording>> = {};
  beforeAll(async () => {
    recordings.clock = await recordGuest({ elf: guestElf('clock'), logPath: temp.path('clock.rrlog') });
    recordings.echo = await recordGuest({
      elf: guestElf('echo'),
      logPath: temp.path('echo.rrlog'),
      input: { kind: 'script', steps: [{ delayMs: 2, bytes: bytesOf('state contract\n') }, { delayMs: 2, bytes: bytesOf('q') }] },
    });
  });

  for (const guest of ['clock', 'echo'] as const) {
    it(`${guest}: restores the saved digest, runs on to the same digest, and ends at the recording's digest`, () => {
      const rec = recordings[guest]!;
      const fraction = fc.double({ min: 0, max: 1, noNaN: true });
      fc.assert(
        fc.property(fraction, fraction, (f1, f2) => {
          const r = new Replay(rec.logPath);
          const at = Math.floor(f1 * rec.icount);
          const to = at + Math.floor(f2 * (rec.icount - at));
          r.runTo(at);
          const saved = r.save();
          const d0 = r.digest();
          r.runTo(to);
          const d1 = r.digest();
          r.restore(saved);
          expect(r.digest()).toBe(d0);
          r.runTo(to);
          expect(r.digest()).toBe(d1);
          expect(r.finish()).toBe(rec.digest);
        }),
        { numRuns: 15 },
      );
    });
  }
});

describe('no stale code after a restore', () => {
  let bench: Recording;
  beforeAll(async () => {
    bench = await recordGuest({ elf: guestElf('cpu-bench'), logPath: temp.path('cpu-bench.rrlog'), maxInsns: 3_000_000 });
  });

  it('a cpu-bench replay restored to a snapshot of another replay of the same log, taken anywhere, ends at the straight digest', () => {
    const straight = new Replay(bench.logPath).finish();
    expect(straight).toBe(bench.digest);
    const icount = fc.integer({ min: 0, max: bench.icount });
    fc.assert(
      fc.property(icount, icount, icount, (a, far, b) => {
        const r = new Replay(bench.logPath);
        r.runTo(a);
        const own = r.save();
        r.runTo(Math.max(a, far)); // compiled blocks everywhere the benchmark went
        const other = new Replay(bench.logPath);
        other.runTo(b);
        const foreign = other.save();
        const atB = other.digest();
        r.restore(foreign);
        expect(r.icount).toBe(b);
        expect(r.digest()).toBe(atB);
        expect(r.finish()).toBe(straight);
        // Back to its own early snapshot after running to the end: the end again.
        r.restore(own);
        expect(r.finish()).toBe(straight);
      }),
      { numRuns: 4 },
    );
  });

  /**
   * A guest that patches its own hot loop: pass k (k = 1..PASSES) runs `slot: addi a0, a0, k`
   * LOOPS times (compiled after the first few), then stores `addi a0, a0, k + 1` over the
   * slot. Ends in WFI with a0 = LOOPS * (1 + 2 + … + PASSES).
   */
  const LOOPS = 200;
  const PASSES = 6;
  function smcMachine(): Machine {
    const { a0, s1, s2, t0, t1, t2 } = A.Reg;
    const slot = BASE + 0x100;
    const entry = [...A.li(t0, slot), ...A.li(t1, A.addi(a0, a0, 1)), ...A.li(t2, 1 << 20), A.addi(s2, 0, PASSES)];
    const jalAt = BASE + 4 * entry.length;
    const m = machineWith([...entry, A.jal(0, slot - 8 - jalAt)]);
    // slot - 8: s1 = LOOPS; sw t1, 0(t0) … then the loop at slot.
    m.ram.load(slot - 8 - BASE, A.assemble([A.addi(s1, 0, LOOPS), A.sw(t1, t0, 0)]));
    m.ram.load(slot - BASE, A.assemble([
      A.addi(a0, a0, 0), // slot: patched before every pass
      A.addi(s1, s1, -1),
      A.bne(s1, 0, -8),
      A.add(t1, t1, t2), // next pass's instruction
      A.addi(s2, s2, -1),
      A.bne(s2, 0, -28), // back to slot - 8: s1 = LOOPS; store the patch
      A.wfi(),
    ]));
    return m;
  }
  const SMC_RESULT = (LOOPS * PASSES * (PASSES + 1)) / 2;

  it('a restore across a self-modifying store runs the code that was in RAM at the snapshot, compiled or not', () => {
    const straight = smcMachine();
    straight.run(1_000_000);
    expect(straight.cpu.waiting).toBe(true);
    expect(straight.cpu.x[A.Reg.a0]).toBe(SMC_RESULT);
    const end = straight.icount;
    expect(straight.cpu.hasCompiledBlockAt(BASE + 0x100)).toBe(true);
    const final = digestsOf(straight);
    const icount = fc.integer({ min: 0, max: end });
    fc.assert(
      fc.property(icount, icount, icount, (a, far, b) => {
        const m = smcMachine();
        m.run(a);
        const own = m.save();
        m.run(Math.max(a, far));
        const other = smcMachine();
        other.run(b);
        const foreign = other.save();
        m.restore(foreign);
        m.run(1_000_000);
        expect(m.cpu.x[A.Reg.a0]).toBe(SMC_RESULT);
        expect(digestsOf(m)).toEqual(final);
        m.restore(own);
        expect(m.icount).toBe(a);
        m.run(1_000_000);
        expect(m.cpu.x[A.Reg.a0]).toBe(SMC_RESULT);
        expect(digestsOf(m)).toEqual(final);
      }),
      { numRuns: 60 },
    );
  });
});
