import type { ExecObserver } from './exec-observer.js';
import type { GuestCode } from './guest-code.js';
import { Op } from './cpu/op.js';

/** Most instructions in one reported block. */
const MAX_BLOCK_INSNS = 64;
const PAGE_MASK = ~0xfff;

/** The instructions of a block, as the code reads before it runs. */
interface BlockShape {
  /** Instructions planned (at least 1). */
  insns: number;
  /** `offsets[k]`: bytes of the first k instructions (k = 0..insns). */
  offsets: number[];
}

/** Ops after which a block ends: control transfers, and whatever may change privilege, translation or the code. */
function endsBlock(op: number): boolean {
  switch (op) {
    case Op.JAL:
    case Op.JALR:
    case Op.BEQ:
    case Op.BNE:
    case Op.BLT:
    case Op.BGE:
    case Op.BLTU:
    case Op.BGEU:
    case Op.CSRRW:
    case Op.CSRRS:
    case Op.CSRRC:
    case Op.CSRRWI:
    case Op.CSRRSI:
    case Op.CSRRCI:
    case Op.ECALL:
    case Op.EBREAK:
    case Op.MRET:
    case Op.SRET:
    case Op.WFI:
    case Op.FENCE_I:
    case Op.SFENCE_VMA:
    case Op.ILLEGAL:
    case Op.UNDECODED:
      return true;
    default:
      return false;
  }
}

/**
 * Cuts the instructions the hart runs into the basic blocks an observer hears of. A block's
 * shape is read from the code when it opens (up to its first block-ending instruction, the end
 * of its page, or 64 instructions); it is reported when all of it ran, or cut short by a trap,
 * a halt or the end of observation. It stays open across slices, so what is reported does not
 * depend on where slices end.
 */
export class BlockTracker {
  /** The shape of the open block, or null. */
  private open: BlockShape | null = null;
  /** The open block: its pc, the icount of its first instruction, the physical address of its pc (-1: unreadable). */
  private blockPc = 0;
  private blockIcount = 0;
  private blockPhysical = -1;
  /** True when the open block's shape came from the cache. */
  private blockKnown = false;
  /** Block shapes by physical address, of blocks that ran whole (the hart then watches their code for stores, see forgetCode). */
  private readonly shapes = new Map<number, BlockShape>();

  constructor(
    private readonly code: GuestCode,
    private readonly observer: ExecObserver,
  ) {}

  /** The instruction at `pc` is about to run as the `icount`-th: it continues the open block, or opens one (reporting the one it cuts). */
  at(icount: number, pc: number): void {
    const shape = this.open;
    if (shape !== null && this.blockPc + shape.offsets[icount - this.blockIcount]! === pc) return;
    this.flushAt(icount);
    this.start(pc, icount);
  }

  /** Instructions ran up to icount `icountAfter`: reports the open block once all of it ran. */
  ran(icountAfter: number): void {
    const shape = this.open;
    if (shape === null || icountAfter - this.blockIcount < shape.insns) return;
    // Cached only once every instruction ran: the hart then watches all of its code for stores.
    if (!this.blockKnown && this.blockPhysical >= 0) this.shapes.set(this.blockPhysical, shape);
    this.open = null;
    this.observer.block(this.blockIcount, this.blockPc, shape.insns, shape.offsets[shape.insns]!);
  }

  /** Reports the open block as far as it ran up to `icount` (a trap, a halt, the end of observation). */
  flushAt(icount: number): void {
    const shape = this.open;
    this.open = null;
    const insns = icount - this.blockIcount;
    if (shape !== null && insns > 0) this.observer.block(this.blockIcount, this.blockPc, insns, shape.offsets[Math.min(insns, shape.insns)]!);
  }

  /** Takes over the open block and the known shapes of `previous` (observation changed at a slice boundary). */
  adopt(previous: BlockTracker): void {
    this.open = previous.open;
    this.blockPc = previous.blockPc;
    this.blockIcount = previous.blockIcount;
    this.blockPhysical = previous.blockPhysical;
    this.blockKnown = previous.blockKnown;
    for (const [address, shape] of previous.shapes) this.shapes.set(address, shape);
  }

  /** Code in RAM changed: forgets every block shape read before. */
  forgetCode(): void {
    this.shapes.clear();
  }

  /** Opens the block at `pc`: its shape from the cache, or read from the code in memory. */
  private start(pc: number, icount: number): void {
    const base = this.code.physical(pc);
    this.blockPc = pc;
    this.blockIcount = icount;
    this.blockPhysical = base;
    const known = base < 0 ? undefined : this.shapes.get(base);
    this.blockKnown = known !== undefined;
    this.open = known ?? this.read(pc, base);
  }

  /** The shape of the block at `pc` (physical `base`, -1: unreadable): up to its first block-ending instruction. */
  private read(pc: number, base: number): BlockShape {
    const offsets = [0];
    const page = pc & PAGE_MASK;
    let at = 0;
    while (offsets.length <= MAX_BLOCK_INSNS) {
      const bits = base < 0 ? 0 : this.code.readAt(base + at);
      const length = bits === 0 ? 4 : (bits & 3) === 3 ? 4 : 2;
      // The next page may map elsewhere: a block stays in its page.
      if (offsets.length > 1 && (((pc + at + length - 1) & PAGE_MASK) !== page || bits === 0)) break;
      at += length;
      offsets.push(at);
      if (bits === 0 || endsBlock(this.code.decode(bits).op)) break;
    }
    return { insns: offsets.length - 1, offsets };
  }
}
