import { Bus } from './bus.js';
import { Cpu } from './cpu/cpu.js';
import { WANT_EVENTS_ONLY, type ExecObserver, type ExecWants } from './exec-observer.js';
import { ExecRunner } from './exec-runner.js';
import { Clint } from './devices/clint.js';
import { GoldfishRtc } from './devices/goldfish-rtc.js';
import { Plic } from './devices/plic.js';
import { TestFinisher } from './devices/test-finisher.js';
import { Uart16550 } from './devices/uart-16550.js';
import type { ElfImage } from './elf-image.js';
import type { HaltReason } from '../core/halt-reason.js';
import type { HostPorts } from './host-ports.js';
import { Irq, MemoryMap, MmioSize } from './memory-map.js';
import { ChunkFlag, CHUNK_SHIFT, PAGE_BYTES, PAGE_SHIFT, Ram } from './ram.js';
import { RamDigest } from './ram-digest.js';
import { RunningHash } from './running-hash.js';
import { hashState, type StateRecord, type StateValue } from './state.js';
import type { TimedDevice } from './timed-device.js';
import { VirtualClock } from './virtual-clock.js';
import { serveTohost } from './htif.js';
import { RamDma } from './ram-dma.js';
import { VirtioMmio } from './devices/virtio/virtio-mmio.js';
import { VirtioRng } from './devices/virtio/virtio-rng.js';
import { VirtioBlk } from './devices/virtio/virtio-blk.js';
import type { VirtioDevice } from './devices/virtio/virtio-device.js';
import { macBytes, VirtioNet } from './devices/virtio/virtio-net.js';
import { INPUT_DEVICES, VirtioInput, type InputDeviceKind } from './devices/virtio/virtio-input.js';
import { VirtioSound, type Played } from './devices/virtio/virtio-sound.js';

/** A virtio device on the board's virtio-mmio slots. */
export type VirtioSpec =
  | { kind: 'virtio-rng' }
  /** Drive `drive` (its index among the blk devices) of `sectors` 512-byte sectors. */
  | { kind: 'virtio-blk'; drive: number; sectors: number; readOnly: boolean }
  /** Network device `netdev` with MAC address `mac` ("52:54:00:12:34:56"). */
  | { kind: 'virtio-net'; netdev: number; mac: string }
  /** A keyboard, mouse or tablet (at most one of each). */
  | { kind: 'virtio-input'; device: InputDeviceKind }
  /** One output and one input PCM stream. */
  | { kind: 'virtio-sound' };

/** What a machine is built from; everything the log header must pin to replay it. */
export interface MachineConfig {
  /** Guest RAM size in bytes (a multiple of 4 KiB, at most 2 GiB). */
  ramBytes: number;
  /** Virtual ns per instruction = 2^icountShift. */
  icountShift: number;
  /** virtio devices in command-line order: the first takes the highest slot, as in QEMU. */
  virtio?: readonly VirtioSpec[];
}

/** Number of virtio-mmio slots on `virt`. */
const VIRTIO_SLOTS = 8;

/** A whole machine's state, as `Machine.save` returns it. Treat it as immutable. */
export interface SavedMachine {
  /** Every state holder's record: cpu, clock, clint, plic, uart, rtc, halt. */
  state: StateRecord;
  /** RAM by 4 KiB page; null for a page that is all zero. Unchanged pages are shared between saves. */
  pages: (Uint8Array | null)[];
}

/** The sub-digests of a machine's state (8 bytes each). */
export interface MachineDigests {
  /** pc, registers, privilege, every CSR, PMP, reservation, WFI, icount. */
  hart: Uint8Array;
  /** All of RAM (kept incrementally from the pages written since the previous digest). */
  ram: Uint8Array;
  /** Every device, the virtual clock and the halt state. */
  devices: Uint8Array;
}

/** A write watchpoint: `length` bytes at RAM offset `offset`. */
interface WriteWatch {
  address: number;
  offset: number;
  length: number;
}

/**
 * The whole deterministic computer: hart, RAM, bus and the devices of the `virt` board.
 * Pure and synchronous; everything from outside arrives through `HostPorts` or `deliverSerial`.
 */
export class Machine {
  readonly ram: Ram;
  readonly bus: Bus;
  readonly clock: VirtualClock;
  readonly cpu: Cpu;
  readonly uart: Uart16550;
  readonly clint: Clint;
  readonly plic: Plic;
  readonly rtc: GoldfishRtc;
  /** The eight virtio-mmio slots, by slot number (empty ones answer like QEMU's). */
  readonly virtio: VirtioMmio[] = [];
  /** The virtio-blk devices by drive index. */
  private readonly drives: VirtioBlk[] = [];
  /** The virtio-net devices by netdev index. */
  private readonly netdevs: VirtioNet[] = [];
  /** The virtio-input devices by their INPUT_DEVICES index. */
  private readonly inputs: VirtioInput[] = [];
  /** The virtio-sound device, if any. */
  private sound: VirtioSound | null = null;
  /** Why the machine stopped for good, or null while it runs. */
  halted: HaltReason | null = null;
  /** Address of the write watchpoint the last instruction stored into, or null; the debugger clears it. */
  watchHit: number | null = null;
  /** The RAM digest cache (page hashes). */
  readonly ramDigest: RamDigest;
  private readonly writeWatches: WriteWatch[] = [];
  /** The save or restore RAM last matched, and the RAM epoch right after it (pages written since differ). */
  private ramBase: { pages: (Uint8Array | null)[]; epoch: number } | null = null;
  private readonly timedDevices: TimedDevice[];
  /** RAM offset of the HTIF `tohost` word, or -1. */
  private tohostOffset = -1;
  /** RAM offset of the HTIF `fromhost` word, or -1. */
  private fromhostOffset = -1;

  constructor(
    readonly config: MachineConfig,
    ports: HostPorts,
  ) {
    this.ram = new Ram(config.ramBytes);
    this.bus = new Bus(this.ram);
    this.clock = new VirtualClock(() => this.cpu.icount, config.icountShift);
    const halt = (reason: HaltReason): void => this.halt(reason);
    this.cpu = new Cpu(this.ram, this.bus, this.clock, halt);
    this.plic = new Plic(this.cpu);
    const endSlice = (): void => this.cpu.endSlice();
    this.clint = new Clint(this.clock, this.cpu, endSlice);
    this.uart = new Uart16550(this.plic, Irq.UART0);
    this.rtc = new GoldfishRtc(ports, this.clock, this.plic, Irq.RTC, endSlice);
    this.timedDevices = [this.clint, this.rtc];
    this.bus.map(MemoryMap.TEST_FINISHER, MmioSize.TEST_FINISHER, new TestFinisher(halt));
    this.bus.map(MemoryMap.RTC, MmioSize.RTC, this.rtc);
    this.bus.map(MemoryMap.CLINT, MmioSize.CLINT, this.clint);
    this.bus.map(MemoryMap.PLIC, MmioSize.PLIC, this.plic);
    this.bus.map(MemoryMap.UART0, MmioSize.UART0, this.uart);
    const dma = new RamDma(this.ram, (offset, size) => this.onFlaggedStore(offset, size));
    const specs = config.virtio ?? [];
    for (let slot = 0; slot < VIRTIO_SLOTS; slot++) {
      const spec = specs[VIRTIO_SLOTS - 1 - slot];
      const device = spec === undefined ? null : virtioDevice(spec, ports);
      if (spec?.kind === 'virtio-blk') this.drives[spec.drive] = device as VirtioBlk;
      if (spec?.kind === 'virtio-net') this.netdevs[spec.netdev] = device as VirtioNet;
      if (spec?.kind === 'virtio-input') this.inputs[INPUT_DEVICES.indexOf(spec.device)] = device as VirtioInput;
      if (spec?.kind === 'virtio-sound') this.sound = device as VirtioSound;
      // A deferral ends the slice, so the BH runs at the checkpoint right after it.
      const defer = (tag: number): number => {
        const id = ports.defer(slot, tag);
        this.cpu.endSlice();
        return id;
      };
      const transport = new VirtioMmio(dma, this.plic, Irq.VIRTIO0 + slot, device, defer);
      this.virtio.push(transport);
      this.bus.map(MemoryMap.VIRTIO0 + slot * MmioSize.VIRTIO_SLOT, MmioSize.VIRTIO_SLOT, transport);
    }
    // A store that makes an interrupt pending ends the slice, so the hart takes it before its
    // next instruction; devices whose writes move a deadline ask for the end themselves
    // (EndSlice). Other stores (console output, most of them) run on.
    this.bus.onMmioWrite = () => {
      const cpu = this.cpu;
      if ((cpu.mip & cpu.mie) !== 0) cpu.endSlice();
    };
    this.ram.onFlaggedStore = (offset, size) => this.onFlaggedStore(offset, size);
    this.ramDigest = new RamDigest(this.ram);
  }

  /** Runs and reports while an execution tap listens (null: run free). */
  private runner: ExecRunner | null = null;
  /** See suspendObservation. */
  private observationSuspended = false;

  /** Instructions executed so far. */
  get icount(): number {
    return this.cpu.icount;
  }

  /** Copies an ELF image into RAM and points the hart at its entry. */
  load(image: ElfImage): void {
    for (const segment of image.segments) {
      this.ram.load(segment.address - MemoryMap.RAM, segment.data);
    }
    this.cpu.pc = image.entry | 0;
    if (image.tohost !== undefined) {
      this.tohostOffset = image.tohost - MemoryMap.RAM;
      this.ram.chunkFlags[this.tohostOffset >>> CHUNK_SHIFT]! |= ChunkFlag.WATCH;
    }
    if (image.fromhost !== undefined) this.fromhostOffset = image.fromhost - MemoryMap.RAM;
  }

  /**
   * The whole state. RAM pages not written since the previous save or restore are shared
   * with it (the same arrays), so consecutive saves cost only the pages written in between.
   */
  save(): SavedMachine {
    const ram = this.ram;
    const base = this.ramBase;
    // Start from the previous save's page table: only pages written since then are looked at.
    const pages: (Uint8Array | null)[] = base !== null ? base.pages.slice() : new Array<Uint8Array | null>(ram.pages).fill(null);
    const since = base !== null ? base.epoch : 1;
    const epochs = ram.pageEpoch;
    for (let p = 0; p < ram.pages; p++) {
      if (epochs[p]! < since) continue;
      pages[p] = isZero(ram.i32, p << (PAGE_SHIFT - 2)) ? null : ram.page(p).slice();
    }
    this.ramBase = { pages, epoch: ram.nextEpoch() };
    return { state: this.saveRecords(), pages };
  }

  /**
   * Puts the machine back into a saved state, copying into the existing RAM and register
   * arrays. Only pages that differ are copied; code cached from them (decoded instructions,
   * compiled blocks) is invalidated, the rest stays compiled.
   */
  restore(saved: SavedMachine): void {
    const ram = this.ram;
    const base = this.ramBase;
    for (let p = 0; p < ram.pages; p++) {
      const target = saved.pages[p] ?? null;
      const written = ram.pageEpoch[p]!;
      if (written === 0 && target === null) continue;
      if (base !== null && written < base.epoch && base.pages[p] === target) continue;
      if (target === null ? isZero(ram.i32, p << (PAGE_SHIFT - 2)) : equalPage(ram.page(p), target)) continue;
      if (target === null) ram.u8.fill(0, p << PAGE_SHIFT, (p + 1) << PAGE_SHIFT);
      else ram.u8.set(target, p << PAGE_SHIFT);
      ram.markPage(p);
      this.cpu.invalidateCode(p << PAGE_SHIFT, PAGE_BYTES);
      this.runner?.forgetCode();
    }
    this.ramBase = { pages: saved.pages, epoch: ram.nextEpoch() };
    this.restoreState(saved.state);
  }

  /** Digests of the hart, RAM and devices; brings the RAM page hashes up to date first. */
  digests(): MachineDigests {
    this.ramDigest.update();
    return { hart: digestOf(this.cpu.save()), ram: this.ramDigest.digest(), devices: digestOf(this.deviceState()) };
  }

  /** Makes the machine stop after any instruction that stores into `[address, address + length)`. */
  addWriteWatch(address: number, length: number): void {
    const offset = ((address >>> 0) - MemoryMap.RAM) >>> 0;
    if (offset >= this.ram.bytes || length <= 0) return;
    this.writeWatches.push({ address: address >>> 0, offset, length: Math.min(length, this.ram.bytes - offset) });
    this.updateWatchFlags();
  }

  /** Removes a watch added with the same address and length. */
  removeWriteWatch(address: number, length: number): void {
    const i = this.writeWatches.findIndex((w) => w.address === address >>> 0 && w.length === length);
    if (i >= 0) this.writeWatches.splice(i, 1);
    this.updateWatchFlags();
  }

  /** The earliest icount at which a device changes state by itself (Infinity if none). */
  nextDeadline(): number {
    let deadline = Infinity;
    for (const device of this.timedDevices) deadline = Math.min(deadline, device.deadlineIcount());
    return deadline;
  }

  /**
   * Runs until icount reaches `limitIcount`, the machine halts, or the hart idles in WFI with
   * nothing pending. Never runs past a device deadline without updating that device.
   */
  run(limitIcount: number): void {
    if (this.runner !== null && !this.observationSuspended) this.runner.run(limitIcount);
    else this.runFree(limitIcount);
  }

  /**
   * Reports device accesses and traps to `observer` from now on, plus what `wants` asks for
   * (instructions, blocks, memory accesses, pc samples: see ExecRunner); null stops all reports.
   */
  observe(observer: ExecObserver | null, wants: ExecWants = WANT_EVENTS_ONLY): void {
    const runner = observer === null ? null : new ExecRunner(this, observer, wants);
    if (this.runner !== null) {
      if (runner !== null) runner.adopt(this.runner);
      else this.runner.flush();
    }
    this.runner = runner;
    this.hookRunner();
  }

  /**
   * Suspends observation (true) or resumes it: while suspended the observer hears nothing and
   * the machine runs as if unobserved, and what observation had open (a block, the last pc
   * sample) waits for it. For a debugger going back over execution already reported: it
   * resumes at the very icount where it suspended, so nothing is reported twice or cut.
   */
  suspendObservation(suspended: boolean): void {
    if (suspended === this.observationSuspended) return;
    this.observationSuspended = suspended;
    this.hookRunner();
  }

  /** Connects the observer's device-access and trap hooks, or disconnects them (no observer, or suspended). */
  private hookRunner(): void {
    // A trap seen before a suspension must not end runs while suspended, nor the first one after.
    if (this.runner !== null) this.runner.trapTaken = false;
    const runner = this.observationSuspended ? null : this.runner;
    this.bus.mmioObserver = runner === null ? null : (write, device, offset, size, value) => runner.onMmio(write, device, offset, size, value);
    this.cpu.onTrap = runner === null ? null : (cause, tval, epc) => runner.onTrap(cause, tval, epc);
  }

  /** Reports what observation still holds back (a basic block not finished yet): call when the run ends. */
  flushObservations(): void {
    this.runner?.flush();
  }

  /** `run` without observation; when an observer stops at traps, returns right after one. */
  runFree(limitIcount: number): void {
    const cpu = this.cpu;
    while (this.halted === null && cpu.icount < limitIcount) {
      this.updateDevices();
      cpu.run(Math.min(limitIcount, Math.max(this.nextDeadline(), cpu.icount + 1)));
      if (cpu.breakpointHit || this.watchHit !== null || this.runner?.trapTaken === true) return;
      if (cpu.waiting) {
        this.updateDevices();
        if ((cpu.mip & cpu.mie) === 0) return;
      }
    }
  }

  /**
   * Runs instrumented compiled code at the pc, if there is any, up to the next device deadline
   * (see Cpu.runTraced, which says what `jumpedHere` and `byJalr` mean); returns the
   * instructions it ran, 0 when the caller must step instead.
   */
  runTraced(limitIcount: number, jumpedHere: boolean, byJalr: boolean): number {
    const cpu = this.cpu;
    if (this.halted !== null || cpu.icount >= limitIcount) return 0;
    this.updateDevices();
    return cpu.runTraced(Math.min(limitIcount, this.nextDeadline()), jumpedHere, byJalr);
  }

  /** Advances virtual time by `ns` while the hart idles (a WARP), then updates the devices. */
  warp(ns: number): void {
    this.clock.biasNs += ns;
    this.updateDevices();
  }

  /** Virtual ns from now until the next device deadline (Infinity if none). */
  nsUntilDeadline(): number {
    const deadline = this.nextDeadline();
    return deadline === Infinity ? Infinity : (deadline - this.cpu.icount) * this.clock.nsPerInsn;
  }

  /** Bytes the guest wrote to the console since the last call. */
  takeConsoleOutput(): Uint8Array {
    return this.uart.takeOutput();
  }

  /**
   * Completes block request `id` of drive `drive` (a BLOCK_DONE being applied): the data reach
   * guest memory, the used ring and the interrupt only now. False if the drive never issued it.
   */
  completeBlock(drive: number, id: number, status: number, data?: Uint8Array): boolean {
    return this.drives[drive]?.complete(id, status, data) ?? false;
  }

  /** Runs BH `id` (`tag`) that the device on virtio slot `owner` deferred (a BH event being applied). */
  runDeferred(owner: number, tag: number, id: number): void {
    this.virtio[owner]?.runDeferred(tag, id);
  }

  /** Offers a received frame to netdev `netdev` (a NET_RX being applied); false when it took nothing (no such netdev, no receive buffer). */
  deliverNet(netdev: number, frame: Uint8Array): boolean {
    return this.netdevs[netdev]?.receive(frame) ?? false;
  }

  /** Offers serial input to the UART; returns how many bytes it accepted (the rest stays queued). */
  deliverSerial(bytes: Uint8Array): number {
    return this.uart.deliver(bytes);
  }

  /**
   * Offers evdev events (type, code, value triples) to input device `device` (an INPUT event
   * being applied); returns how many events its eventq took (the rest stays queued).
   */
  deliverInput(device: number, events: readonly number[]): number {
    return this.inputs[device]?.deliver(events) ?? 0;
  }

  /** The host consumed `frames` frames of the output stream (an AUDIO_OUT being applied): what the sound device played. */
  playAudio(frames: number): Played | null {
    return this.sound?.play(frames) ?? null;
  }

  /** Captured samples for the input stream (an AUDIO_IN being applied); returns how many bytes the rx buffers took. */
  captureAudio(samples: Uint8Array): number {
    return this.sound?.capture(samples) ?? 0;
  }

  /** Brings every timed device (CLINT, RTC alarm) up to date with the current icount. */
  private updateDevices(): void {
    for (const device of this.timedDevices) device.update();
  }

  /** Every state holder's record, without RAM (what `save` puts in `state`). */
  saveRecords(): StateRecord {
    return { cpu: this.cpu.save(), ...this.deviceState() };
  }

  private deviceState(): StateRecord {
    return {
      clock: this.clock.save(),
      clint: this.clint.save(),
      plic: this.plic.save(),
      uart: this.uart.save(),
      rtc: this.rtc.save(),
      virtio: this.virtio.map((slot) => slot.save()),
      halted: this.halted === null ? null : ({ ...this.halted } as StateValue),
    };
  }

  private restoreState(s: StateRecord): void {
    this.cpu.restore(s.cpu as StateRecord);
    this.clock.restore(s.clock as StateRecord);
    this.clint.restore(s.clint as StateRecord);
    this.plic.restore(s.plic as StateRecord);
    this.uart.restore(s.uart as StateRecord);
    this.rtc.restore(s.rtc as StateRecord);
    (s.virtio as StateRecord[]).forEach((slot, i) => this.virtio[i]!.restore(slot));
    this.halted = s.halted === null ? null : ({ ...(s.halted as object) } as HaltReason);
    this.watchHit = null;
  }

  /** Sets WATCH on the chunks of tohost and every write watch, and clears it elsewhere. */
  private updateWatchFlags(): void {
    const flags = this.ram.chunkFlags;
    for (let c = 0; c < flags.length; c++) flags[c]! &= ~ChunkFlag.WATCH;
    const mark = (offset: number, length: number): void => {
      for (let c = offset >>> CHUNK_SHIFT; c <= (offset + length - 1) >>> CHUNK_SHIFT; c++) flags[c]! |= ChunkFlag.WATCH;
    };
    if (this.tohostOffset >= 0) mark(this.tohostOffset, 4);
    for (const w of this.writeWatches) mark(w.offset, w.length);
  }

  private halt(reason: HaltReason): void {
    if (this.halted !== null) return;
    this.halted = reason;
    this.cpu.sliceLimit = this.cpu.icount;
  }

  private onFlaggedStore(offset: number, size: number): void {
    this.ram.noteStore(offset, size);
    const flags = this.ram.chunkFlags;
    if (this.runner !== null && ((flags[offset >>> CHUNK_SHIFT]! | flags[(offset + size - 1) >>> CHUNK_SHIFT]!) & ChunkFlag.CODE) !== 0) this.runner.forgetCode();
    this.cpu.invalidateCode(offset, size);
    for (const w of this.writeWatches) {
      if (offset < w.offset + w.length && offset + size > w.offset) {
        // Reported after the storing instruction, as gdb expects of RISC-V watchpoints.
        this.watchHit = w.address;
        this.cpu.endSlice();
      }
    }
    const tohost = this.tohostOffset;
    if (tohost >= 0 && offset < tohost + 4 && offset + size > tohost) {
      const ports = { ram: this.ram, console: (bytes: Uint8Array) => this.uart.emit(bytes), halt: (reason: HaltReason) => this.halt(reason) };
      serveTohost(ports, this.ram.i32[tohost >> 2]!, tohost, this.fromhostOffset);
    }
  }
}

/** The device model for a virtio spec; every host value it needs comes through `ports`. */
function virtioDevice(spec: VirtioSpec, ports: HostPorts): VirtioDevice {
  switch (spec.kind) {
    case 'virtio-rng':
      return new VirtioRng((n) => ports.random(n));
    case 'virtio-blk':
      return new VirtioBlk({ start: (request) => ports.blockIo(spec.drive, request) }, { sectors: spec.sectors, readOnly: spec.readOnly });
    case 'virtio-net':
      return new VirtioNet({ transmit: (frame) => ports.netTx(spec.netdev, frame) }, macBytes(spec.mac));
    case 'virtio-input':
      return new VirtioInput(spec.device);
    case 'virtio-sound':
      return new VirtioSound({ stream: (stream, rate, channels, running) => ports.audioStream(stream, rate, channels, running) });
  }
}

/** True when the 4 KiB page starting at word `first` of `words` is all zero. */
function isZero(words: Int32Array, first: number): boolean {
  for (let i = first; i < first + (PAGE_BYTES >>> 2); i++) if (words[i] !== 0) return false;
  return true;
}

/** True when two 4 KiB pages hold the same bytes. */
function equalPage(a: Uint8Array, b: Uint8Array): boolean {
  const wa = new Int32Array(a.buffer, a.byteOffset, PAGE_BYTES >>> 2);
  const wb = new Int32Array(b.buffer, b.byteOffset, PAGE_BYTES >>> 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
}

/** An 8-byte digest of a saved state record. */
function digestOf(state: StateRecord): Uint8Array {
  const h = new RunningHash();
  hashState(h, state);
  return h.digest();
}
