import { defer, finalize, map, Subject, type Observable } from 'rxjs';
import type { ExecObserver, ExecWants } from '../src/machine/exec-observer.js';
import type { Machine } from '../src/machine/machine.js';

/** Instructions retired in one slice, as columns (one entry per instruction). */
export interface InsnBatch {
  readonly count: number;
  /** Instructions executed before each one. */
  readonly icount: Float64Array;
  readonly pc: Uint32Array;
  /** Raw instruction bits (0 when not readable: under Sv32). */
  readonly bits: Uint32Array;
  /** Register written (0: none) and its new value. */
  readonly rd: Uint8Array;
  readonly value: Uint32Array;
}

/** Basic blocks run in one slice, as columns (see ExecObserver.block for where a block ends). */
export interface BlockBatch {
  readonly count: number;
  /** Instructions executed before the block's first one. */
  readonly icount: Float64Array;
  readonly pc: Uint32Array;
  /** Instructions the block ran (at most 64). */
  readonly insns: Uint8Array;
  /** Bytes of code they span. */
  readonly bytes: Uint16Array;
}

/** RAM loads and stores retired in one slice, as columns (an AMO is a load then a store at the same icount). */
export interface MemoryBatch {
  readonly count: number;
  /** Instructions executed before the one accessing memory. */
  readonly icount: Float64Array;
  /** 1 for a store, 0 for a load. */
  readonly write: Uint8Array;
  /** Effective address (virtual when Sv32 is on). */
  readonly address: Uint32Array;
  readonly size: Uint8Array;
  /** The value loaded (zero-extended) or stored. */
  readonly value: Uint32Array;
}

/** pc samples: the pc of the instruction about to run each time icount reached a multiple of the period. */
export interface SampleBatch {
  readonly count: number;
  readonly icount: Float64Array;
  readonly pc: Uint32Array;
}

/** Device accesses in one slice, as columns. */
export interface MmioBatch {
  readonly count: number;
  readonly icount: Float64Array;
  /** 1 for a store, 0 for a load. */
  readonly write: Uint8Array;
  /** The device's name ("uart", "clint", "virtio-blk", …). */
  readonly device: readonly string[];
  readonly offset: Uint32Array;
  readonly size: Uint8Array;
  readonly value: Uint32Array;
}

/** Trap entries (exceptions and interrupts) in one slice, as columns. */
export interface TrapBatch {
  readonly count: number;
  readonly icount: Float64Array;
  /** mcause/scause value (bit 31: an interrupt). */
  readonly cause: Uint32Array;
  readonly tval: Uint32Array;
  readonly epc: Uint32Array;
}

/** The execution streams a tap may subscribe to (DESIGN §8); each emits one batch per slice. */
export interface ExecTapStreams {
  /** Every instruction: hot code runs instrumented, the rest one instruction at a time, while this is subscribed. */
  readonly insns$: Observable<InsnBatch>;
  /** Every basic block (cut from the instruction stream, which runs as for `insns$` while this is subscribed). */
  readonly blocks$: Observable<BlockBatch>;
  /** Every RAM load and store: runs as for `insns$` while this is subscribed. */
  readonly memory$: Observable<MemoryBatch>;
  readonly mmio$: Observable<MmioBatch>;
  readonly traps$: Observable<TrapBatch>;
  /** The pc every `everyIcount` instructions (at icount 0, N, 2N, …): the machine stops that often, no more. */
  samples$(everyIcount: number): Observable<SampleBatch>;
}

/** A growable column of numbers. */
class Column<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  private data: T;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(256);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
  /** The first `n` entries, copied (the batch owns them). */
  take(n: number): T {
    return this.data.slice(0, n) as T;
  }
}

const f64 = (n: number): Float64Array => new Float64Array(n);
const u32 = (n: number): Uint32Array => new Uint32Array(n);
const u16 = (n: number): Uint16Array => new Uint16Array(n);
const u8 = (n: number): Uint8Array => new Uint8Array(n);

/** Greatest common divisor of two positive integers. */
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Which stream a subscription counts for. */
type Listener = 'insns' | 'blocks' | 'memory' | 'other';

/**
 * The engine's side of the execution taps: gathers what the machine reports during a slice
 * and emits it as batches at `flush`. Subscriptions are counted: the machine reports nothing
 * (and runs at full speed) while nobody listens, runs instrumented compiled code and steps
 * the rest only while `insns$`, `memory$` or `blocks$` has a subscriber, and stops for pc
 * samples only while `samples$` has one; the last unsubscription (or completion) switches
 * each off.
 */
export class ExecStreams implements ExecTapStreams, ExecObserver {
  readonly insns$: Observable<InsnBatch>;
  readonly blocks$: Observable<BlockBatch>;
  readonly memory$: Observable<MemoryBatch>;
  readonly mmio$: Observable<MmioBatch>;
  readonly traps$: Observable<TrapBatch>;
  private readonly insnSubject = new Subject<InsnBatch>();
  private readonly blockSubject = new Subject<BlockBatch>();
  private readonly memorySubject = new Subject<MemoryBatch>();
  private readonly mmioSubject = new Subject<MmioBatch>();
  private readonly trapSubject = new Subject<TrapBatch>();
  private readonly sampleSubject = new Subject<SampleBatch>();
  private machine: Machine | null = null;
  private readonly listeners: Record<Listener, number> = { insns: 0, blocks: 0, memory: 0, other: 0 };
  /** Sample periods subscribed, with their subscription counts. */
  private readonly periods = new Map<number, number>();
  private insnCount = 0;
  private readonly insnCols = { icount: new Column(f64), pc: new Column(u32), bits: new Column(u32), rd: new Column(u8), value: new Column(u32) };
  private blockCount = 0;
  private readonly blockCols = { icount: new Column(f64), pc: new Column(u32), insns: new Column(u8), bytes: new Column(u16) };
  private memoryCount = 0;
  private readonly memoryCols = { icount: new Column(f64), write: new Column(u8), address: new Column(u32), size: new Column(u8), value: new Column(u32) };
  private sampleCount = 0;
  private readonly sampleCols = { icount: new Column(f64), pc: new Column(u32) };
  private mmioCount = 0;
  private readonly mmioDevices: string[] = [];
  private readonly mmioCols = { icount: new Column(f64), write: new Column(u8), offset: new Column(u32), size: new Column(u8), value: new Column(u32) };
  private trapCount = 0;
  private readonly trapCols = { icount: new Column(f64), cause: new Column(u32), tval: new Column(u32), epc: new Column(u32) };

  constructor() {
    this.insns$ = this.counted(this.insnSubject, 'insns');
    this.blocks$ = this.counted(this.blockSubject, 'blocks');
    this.memory$ = this.counted(this.memorySubject, 'memory');
    this.mmio$ = this.counted(this.mmioSubject, 'other');
    this.traps$ = this.counted(this.trapSubject, 'other');
  }

  samples$(everyIcount: number): Observable<SampleBatch> {
    if (!Number.isSafeInteger(everyIcount) || everyIcount < 1) throw new RangeError(`sample period ${everyIcount} is not a positive integer`);
    return defer(() => {
      this.periods.set(everyIcount, (this.periods.get(everyIcount) ?? 0) + 1);
      this.update();
      return this.sampleSubject.pipe(
        // The machine samples at the gcd of every period subscribed: keep this period's.
        map((b) => (this.samplePeriod() === everyIcount ? b : onlyMultiples(b, everyIcount))),
        finalize(() => {
          const left = this.periods.get(everyIcount)! - 1;
          if (left === 0) this.periods.delete(everyIcount);
          else this.periods.set(everyIcount, left);
          this.update();
        }),
      );
    });
  }

  /** The machine to observe (call once it exists; subscriptions made before take effect now). */
  attach(machine: Machine): void {
    this.machine = machine;
    this.update();
  }

  insn(icount: number, pc: number, bits: number, rd: number, value: number): void {
    const i = this.insnCount++;
    const c = this.insnCols;
    c.icount.set(i, icount);
    c.pc.set(i, pc);
    c.bits.set(i, bits);
    c.rd.set(i, rd);
    c.value.set(i, value);
  }

  block(icount: number, pc: number, insns: number, bytes: number): void {
    const i = this.blockCount++;
    const c = this.blockCols;
    c.icount.set(i, icount);
    c.pc.set(i, pc);
    c.insns.set(i, insns);
    c.bytes.set(i, bytes);
  }

  memory(icount: number, write: boolean, address: number, size: number, value: number): void {
    const i = this.memoryCount++;
    const c = this.memoryCols;
    c.icount.set(i, icount);
    c.write.set(i, write ? 1 : 0);
    c.address.set(i, address);
    c.size.set(i, size);
    c.value.set(i, value);
  }

  sample(icount: number, pc: number): void {
    const i = this.sampleCount++;
    this.sampleCols.icount.set(i, icount);
    this.sampleCols.pc.set(i, pc);
  }

  mmio(icount: number, write: boolean, device: string, offset: number, size: number, value: number): void {
    const i = this.mmioCount++;
    const c = this.mmioCols;
    c.icount.set(i, icount);
    c.write.set(i, write ? 1 : 0);
    this.mmioDevices[i] = device;
    c.offset.set(i, offset);
    c.size.set(i, size);
    c.value.set(i, value);
  }

  trap(icount: number, cause: number, tval: number, epc: number): void {
    const i = this.trapCount++;
    const c = this.trapCols;
    c.icount.set(i, icount);
    c.cause.set(i, cause >>> 0);
    c.tval.set(i, tval >>> 0);
    c.epc.set(i, epc >>> 0);
  }

  /** Emits what the slice gathered, one batch per stream that has entries (call after every slice). */
  flush(): void {
    if (this.insnCount > 0) {
      const n = this.insnCount;
      const c = this.insnCols;
      this.insnCount = 0;
      this.insnSubject.next({ count: n, icount: c.icount.take(n), pc: c.pc.take(n), bits: c.bits.take(n), rd: c.rd.take(n), value: c.value.take(n) });
    }
    if (this.blockCount > 0) {
      const n = this.blockCount;
      const c = this.blockCols;
      this.blockCount = 0;
      this.blockSubject.next({ count: n, icount: c.icount.take(n), pc: c.pc.take(n), insns: c.insns.take(n), bytes: c.bytes.take(n) });
    }
    if (this.memoryCount > 0) {
      const n = this.memoryCount;
      const c = this.memoryCols;
      this.memoryCount = 0;
      this.memorySubject.next({ count: n, icount: c.icount.take(n), write: c.write.take(n), address: c.address.take(n), size: c.size.take(n), value: c.value.take(n) });
    }
    if (this.sampleCount > 0) {
      const n = this.sampleCount;
      this.sampleCount = 0;
      this.sampleSubject.next({ count: n, icount: this.sampleCols.icount.take(n), pc: this.sampleCols.pc.take(n) });
    }
    if (this.mmioCount > 0) {
      const n = this.mmioCount;
      const c = this.mmioCols;
      this.mmioCount = 0;
      const device = this.mmioDevices.splice(0);
      this.mmioSubject.next({ count: n, icount: c.icount.take(n), write: c.write.take(n), device, offset: c.offset.take(n), size: c.size.take(n), value: c.value.take(n) });
    }
    if (this.trapCount > 0) {
      const n = this.trapCount;
      const c = this.trapCols;
      this.trapCount = 0;
      this.trapSubject.next({ count: n, icount: c.icount.take(n), cause: c.cause.take(n), tval: c.tval.take(n), epc: c.epc.take(n) });
    }
  }

  /** The run ended: emits what is left (the last block too) and completes every stream. */
  complete(): void {
    this.machine?.flushObservations();
    this.flush();
    for (const subject of this.subjects()) subject.complete();
  }

  /** The run failed: every stream errors with `err`. */
  error(err: unknown): void {
    for (const subject of this.subjects()) subject.error(err);
  }

  private subjects(): Subject<unknown>[] {
    return [this.insnSubject, this.blockSubject, this.memorySubject, this.sampleSubject, this.mmioSubject, this.trapSubject] as Subject<unknown>[];
  }

  private counted<T>(subject: Subject<T>, listener: Listener): Observable<T> {
    return defer(() => {
      this.listen(listener, +1);
      return subject.pipe(finalize(() => this.listen(listener, -1)));
    });
  }

  private listen(listener: Listener, delta: number): void {
    this.listeners[listener] += delta;
    this.update();
  }

  /** The gcd of the sample periods subscribed (0: none). */
  private samplePeriod(): number {
    let period = 0;
    for (const p of this.periods.keys()) period = period === 0 ? p : gcd(period, p);
    return period;
  }

  private update(): void {
    const l = this.listeners;
    const wants: ExecWants = { insns: l.insns > 0, blocks: l.blocks > 0, memory: l.memory > 0, samplePeriod: this.samplePeriod() };
    const any = l.insns + l.blocks + l.memory + l.other > 0 || wants.samplePeriod > 0;
    this.machine?.observe(any ? this : null, wants);
  }
}

/** The samples of `b` whose icount is a multiple of `every`. */
function onlyMultiples(b: SampleBatch, every: number): SampleBatch {
  const keep: number[] = [];
  for (let i = 0; i < b.count; i++) if (b.icount[i]! % every === 0) keep.push(i);
  return { count: keep.length, icount: Float64Array.from(keep, (i) => b.icount[i]!), pc: Uint32Array.from(keep, (i) => b.pc[i]!) };
}
