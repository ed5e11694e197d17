import { defer, EMPTY, finalize, Subject, type Observable } from 'rxjs';
import type { ExecObserver } from '../src/machine/exec-observer.js';
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
  /** Every instruction: the machine runs one instruction at a time while this is subscribed. */
  readonly insns$: Observable<InsnBatch>;
  readonly mmio$: Observable<MmioBatch>;
  readonly traps$: Observable<TrapBatch>;
}

/** The streams of a session that reports no execution (`rrvm gdb`'s taps): each completes at once. */
export const NO_EXEC: ExecTapStreams = { insns$: EMPTY, mmio$: EMPTY, traps$: EMPTY };

/** A growable column of numbers. */
class Column<T extends Float64Array | Uint32Array | Uint8Array> {
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
const u8 = (n: number): Uint8Array => new Uint8Array(n);

/**
 * The engine's side of the execution taps: gathers what the machine reports during a slice
 * and emits it as batches at `flush`. Subscriptions are counted: the machine reports nothing
 * (and runs at full speed) while nobody listens, and runs one instruction at a time only while
 * `insns$` has a subscriber; the last unsubscription (or completion) switches it back.
 */
export class ExecStreams implements ExecTapStreams, ExecObserver {
  readonly insns$: Observable<InsnBatch>;
  readonly mmio$: Observable<MmioBatch>;
  readonly traps$: Observable<TrapBatch>;
  private readonly insnSubject = new Subject<InsnBatch>();
  private readonly mmioSubject = new Subject<MmioBatch>();
  private readonly trapSubject = new Subject<TrapBatch>();
  private machine: Machine | null = null;
  private insnListeners = 0;
  private otherListeners = 0;
  private insnCount = 0;
  private readonly insnCols = { icount: new Column(f64), pc: new Column(u32), bits: new Column(u32), rd: new Column(u8), value: new Column(u32) };
  private mmioCount = 0;
  private readonly mmioDevices: string[] = [];
  private readonly mmioCols = { icount: new Column(f64), write: new Column(u8), offset: new Column(u32), size: new Column(u8), value: new Column(u32) };
  private trapCount = 0;
  private readonly trapCols = { icount: new Column(f64), cause: new Column(u32), tval: new Column(u32), epc: new Column(u32) };

  constructor() {
    this.insns$ = this.counted(this.insnSubject, true);
    this.mmio$ = this.counted(this.mmioSubject, false);
    this.traps$ = this.counted(this.trapSubject, false);
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

  /** The run ended: emits what is left and completes every stream. */
  complete(): void {
    this.flush();
    this.insnSubject.complete();
    this.mmioSubject.complete();
    this.trapSubject.complete();
  }

  /** The run failed: every stream errors with `err`. */
  error(err: unknown): void {
    this.insnSubject.error(err);
    this.mmioSubject.error(err);
    this.trapSubject.error(err);
  }

  private counted<T>(subject: Subject<T>, insns: boolean): Observable<T> {
    return defer(() => {
      this.listen(insns, +1);
      return subject.pipe(finalize(() => this.listen(insns, -1)));
    });
  }

  private listen(insns: boolean, delta: number): void {
    if (insns) this.insnListeners += delta;
    else this.otherListeners += delta;
    this.update();
  }

  private update(): void {
    const any = this.insnListeners + this.otherListeners > 0;
    this.machine?.observe(any ? this : null, this.insnListeners > 0);
  }
}
