import { MipBit, type InterruptPins } from '../interrupt-pins.js';
import type { IrqSink } from '../irq-sink.js';
import type { AccessSize, MmioDevice } from '../mmio-device.js';
import type { StateRecord } from '../state.js';

/**
 * Register offsets of the SiFive PLIC as on QEMU `virt` (RISC-V PLIC spec §3-8; QEMU
 * hw/intc/sifive_plic.c, hw/riscv/virt.h). Per-context blocks are at base + stride * context.
 */
export const PlicReg = {
  PRIORITY: 0x00_0000, // + 4 * source
  PENDING: 0x00_1000, // + 4 * word, read-only
  ENABLE: 0x00_2000, // + ENABLE_STRIDE * context + 4 * word
  ENABLE_STRIDE: 0x80,
  THRESHOLD: 0x20_0000, // + CONTEXT_STRIDE * context
  CLAIM_COMPLETE: 0x20_0004, // + CONTEXT_STRIDE * context
  CONTEXT_STRIDE: 0x1000,
} as const;

/** Highest interrupt source number; source 0 means "no interrupt". */
export const PLIC_MAX_SOURCE = 53;
/** Priorities are 3 bits wide (QEMU virt: 7 priority levels), WARL. */
const PRIORITY_MASK = 7;
const WORDS = 2; // bit-field words covering sources 0..63
/** The hart interrupt bit driven by each context: 0 = hart 0 M-mode, 1 = hart 0 S-mode. */
const CONTEXT_PIN = [MipBit.MEIP, MipBit.SEIP] as const;
const CONTEXTS = CONTEXT_PIN.length;
const CONTEXT_THRESHOLD = 0;
const CONTEXT_CLAIM = PlicReg.CLAIM_COMPLETE - PlicReg.THRESHOLD;

/**
 * Platform-level interrupt controller with level-triggered gateways: a source high while not
 * claimed becomes pending; pending stays set until claimed (lowering the line does not clear
 * it); completing a source whose line is still high makes it pending again.
 * QEMU accepts only aligned 4-byte accesses; here other accesses read 0 and are ignored.
 */
export class Plic implements MmioDevice, IrqSink {
  readonly name = 'plic';

  private readonly priority = new Uint32Array(PLIC_MAX_SOURCE + 1);
  private readonly level = new Uint8Array(PLIC_MAX_SOURCE + 1);
  private readonly pending = new Uint32Array(WORDS);
  private readonly claimed = new Uint32Array(WORDS);
  private readonly enable = [new Uint32Array(WORDS), new Uint32Array(WORDS)];
  private readonly threshold = new Uint32Array(CONTEXTS);
  private readonly output = [false, false];

  constructor(private readonly pins: InterruptPins) {}

  setIrq(source: number, level: boolean): void {
    if (source < 1 || source > PLIC_MAX_SOURCE) return;
    this.level[source] = level ? 1 : 0;
    if (level && !testBit(this.claimed, source)) {
      setBit(this.pending, source, true);
      this.updateOutputs();
    }
  }

  read(offset: number, size: AccessSize): number {
    if (size !== 4 || offset & 3) return 0;
    if (offset < PlicReg.PENDING) {
      const source = offset >>> 2;
      return source <= PLIC_MAX_SOURCE ? this.priority[source]! : 0;
    }
    if (offset < PlicReg.ENABLE) {
      const word = (offset - PlicReg.PENDING) >>> 2;
      return word < WORDS ? this.pending[word]! : 0;
    }
    if (offset < PlicReg.ENABLE + PlicReg.ENABLE_STRIDE * CONTEXTS) {
      const { context, word } = enableSlot(offset);
      return word < WORDS ? this.enable[context]![word]! : 0;
    }
    const reg = contextSlot(offset);
    if (reg === undefined) return 0;
    if (reg.offset === CONTEXT_THRESHOLD) return this.threshold[reg.context]!;
    if (reg.offset === CONTEXT_CLAIM) return this.claim(reg.context);
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4 || offset & 3) return;
    if (offset < PlicReg.PENDING) {
      const source = offset >>> 2;
      // Source 0's priority is reserved (hard-wired to 0).
      if (source >= 1 && source <= PLIC_MAX_SOURCE) {
        this.priority[source] = value & PRIORITY_MASK;
        this.updateOutputs();
      }
      return;
    }
    if (offset < PlicReg.ENABLE) return; // pending bits are read-only
    if (offset < PlicReg.ENABLE + PlicReg.ENABLE_STRIDE * CONTEXTS) {
      const { context, word } = enableSlot(offset);
      if (word < WORDS) {
        // Stored as written, like QEMU; bits of nonexistent sources never match in best().
        this.enable[context]![word] = value >>> 0;
        this.updateOutputs();
      }
      return;
    }
    const reg = contextSlot(offset);
    if (reg === undefined) return;
    if (reg.offset === CONTEXT_THRESHOLD) {
      this.threshold[reg.context] = value & PRIORITY_MASK;
      this.updateOutputs();
    } else if (reg.offset === CONTEXT_CLAIM) {
      this.complete(value >>> 0);
    }
  }

  /** NB: claiming clears the source's pending bit and marks it in service. Returns 0 if none. */
  private claim(context: number): number {
    const source = this.best(context);
    if (source !== 0) {
      setBit(this.pending, source, false);
      setBit(this.claimed, source, true);
      this.updateOutputs();
    }
    return source;
  }

  private complete(source: number): void {
    if (source < 1 || source > PLIC_MAX_SOURCE) return;
    setBit(this.claimed, source, false);
    // Level-triggered gateway: a line still high is a new request.
    if (this.level[source]) setBit(this.pending, source, true);
    this.updateOutputs();
  }

  /** The enabled, pending, unclaimed source with the highest priority above threshold; ties → lowest id. */
  private best(context: number): number {
    const enable = this.enable[context]!;
    let bestSource = 0;
    let bestPriority = this.threshold[context]!;
    for (let source = 1; source <= PLIC_MAX_SOURCE; source++) {
      if (!testBit(this.pending, source) || testBit(this.claimed, source)) continue;
      if (!testBit(enable, source)) continue;
      if (this.priority[source]! > bestPriority) {
        bestPriority = this.priority[source]!;
        bestSource = source;
      }
    }
    return bestSource;
  }

  private updateOutputs(): void {
    for (let context = 0; context < CONTEXTS; context++) {
      const level = this.best(context) !== 0;
      if (level !== this.output[context]) {
        this.output[context] = level;
        this.pins.setPin(CONTEXT_PIN[context]!, level);
      }
    }
  }

  /** The controller's state: priorities, line levels, pending/claimed bits, enables, thresholds, outputs. */
  save(): StateRecord {
    return {
      priority: this.priority.slice(),
      level: this.level.slice(),
      pending: this.pending.slice(),
      claimed: this.claimed.slice(),
      enable: this.enable.map((e) => e.slice()),
      threshold: this.threshold.slice(),
      output: [...this.output],
    };
  }

  /** Copies back what `save` returned, into the same arrays. */
  restore(s: StateRecord): void {
    this.priority.set(s.priority as Uint32Array);
    this.level.set(s.level as Uint8Array);
    this.pending.set(s.pending as Uint32Array);
    this.claimed.set(s.claimed as Uint32Array);
    (s.enable as Uint32Array[]).forEach((e, i) => this.enable[i]!.set(e));
    this.threshold.set(s.threshold as Uint32Array);
    (s.output as boolean[]).forEach((o, i) => (this.output[i] = o));
  }
}

/** Decodes an offset inside the enable block. */
function enableSlot(offset: number): { context: number; word: number } {
  const rel = offset - PlicReg.ENABLE;
  return { context: Math.floor(rel / PlicReg.ENABLE_STRIDE), word: (rel % PlicReg.ENABLE_STRIDE) >>> 2 };
}

/** Decodes an offset inside a context's threshold/claim block, or undefined if outside all. */
function contextSlot(offset: number): { context: number; offset: number } | undefined {
  const rel = offset - PlicReg.THRESHOLD;
  if (rel < 0 || rel >= PlicReg.CONTEXT_STRIDE * CONTEXTS) return undefined;
  return { context: Math.floor(rel / PlicReg.CONTEXT_STRIDE), offset: rel % PlicReg.CONTEXT_STRIDE };
}

function testBit(words: Uint32Array, bit: number): boolean {
  return ((words[bit >>> 5]! >>> (bit & 31)) & 1) !== 0;
}

function setBit(words: Uint32Array, bit: number, on: boolean): void {
  const mask = 1 << (bit & 31);
  words[bit >>> 5] = on ? words[bit >>> 5]! | mask : words[bit >>> 5]! & ~mask;
}
