import type { DebugTarget, ResumeAction, StopEvent, WatchKind } from '../engine/debug-target.js';
import { runMonitorCommand } from './monitor-commands.js';
import { bytesToHex, hexToText, parseHexNumber, registerToHex, textToHex } from './rsp-hex.js';
import { stopReply } from './stop-reply.js';
import { isDescribedRegister, TARGET_XML } from './target-xml.js';

/** What the connection should do after a packet was handled. */
export type StubOutcome =
  /** Keep reading packets. */
  | 'continue'
  /** The reply to `QStartNoAckMode` went out: stop sending and expecting `+`/`-` from now on. */
  | 'no-ack'
  /** gdb detached (`D`, answered `OK`): close the connection. */
  | 'detach'
  /** gdb killed the target (`k`, `vKill`): close the connection. */
  | 'kill';

/** The largest packet gdb may send us (`PacketSize`, hex in qSupported). */
const PACKET_SIZE = 0x4000;

/** What we tell gdb we support. */
const SUPPORTED = `PacketSize=${PACKET_SIZE.toString(16)};qXfer:features:read+;swbreak+;hwbreak+;ReverseStep+;ReverseContinue+;QStartNoAckMode+`;

/** Reply to every packet that would change guest state. gdb 13 prints it for `G` and `P`. */
export const WRITE_REFUSED = 'E.rrvm refuses writes to registers and memory during replay: the replay would diverge from the recording';

/** The largest `m` read answered in one reply; gdb asks again for the rest. */
const MAX_READ_BYTES = 0x10000;

/** Console text is sent in `O` packets of at most this many characters. */
const CONSOLE_CHUNK = 512;

const WATCH_KINDS: Record<string, WatchKind> = { '2': 'write', '3': 'read', '4': 'access' };

/**
 * The command side of the GDB remote serial protocol (GDB manual, Appendix E): maps each
 * packet from gdb to DebugTarget calls and sends the replies through `send` (packet data,
 * unframed). Guest state is read-only: writes are refused, the replay must not diverge.
 * Stop positions are the target's own: gdb's riscv support treats watchpoints as
 * non-steppable (it steps over the access itself, then compares values), so a watchpoint
 * stop must come before the access going forwards and after it going backwards.
 */
export class GdbStub {
  /** Breakpoint addresses gdb set with Z0 and with Z1 (the target holds their union). */
  private readonly software = new Set<number>();
  private readonly hardware = new Set<number>();
  /** True while a resume runs (Ctrl-C is then forwarded to the target). */
  private resuming = false;

  constructor(
    private readonly target: DebugTarget,
    private readonly send: (data: string) => void,
  ) {}

  /** gdb's Ctrl-C: asks a running resume to stop; ignored when nothing runs. */
  interrupt(): void {
    if (this.resuming) this.target.interrupt();
  }

  /** Handles one packet (its data, unescaped) and sends every reply it calls for. */
  async handle(packet: string): Promise<StubOutcome> {
    const head = packet[0];
    switch (head) {
      case '?':
        return this.reply('T05thread:1;');
      case 'g':
        return this.reply(Array.from(this.target.readRegisters(), registerToHex).join(''));
      case 'p':
        return this.reply(this.readRegister(packet.slice(1)));
      case 'm':
        return this.reply(this.readMemory(packet.slice(1)));
      case 'G':
      case 'P':
      case 'M':
      case 'X':
        return this.reply(WRITE_REFUSED);
      case 'c':
      case 's':
        // An address after c/s would set the pc first: a write.
        if (packet.length > 1) return this.reply(WRITE_REFUSED);
        await this.resume(head === 'c' ? 'continue' : 'step');
        return 'continue';
      case 'C':
      case 'S':
        // The signal number is ignored: a replayed guest has no signals to deliver.
        if (packet.includes(';')) return this.reply(WRITE_REFUSED);
        await this.resume(head === 'C' ? 'continue' : 'step');
        return 'continue';
      case 'b':
        if (packet !== 'bc' && packet !== 'bs') return this.reply('');
        await this.resume(packet === 'bc' ? 'reverse-continue' : 'reverse-step');
        return 'continue';
      case 'Z':
      case 'z':
        return this.reply(this.breakpoint(head === 'Z', packet.slice(1)));
      case 'H':
      case 'T':
        return this.reply('OK');
      case 'D':
        this.send('OK');
        return 'detach';
      case 'k':
        return 'kill';
      case 'q':
      case 'Q':
        return this.query(packet);
      case 'v':
        return this.vPacket(packet);
      default:
        return this.reply('');
    }
  }

  /** Sends one reply; the session goes on. */
  private readonly reply = (data: string): StubOutcome => {
    this.send(data);
    return 'continue';
  };

  /** `q…` and `Q…` packets: general queries and settings. */
  private async query(packet: string): Promise<StubOutcome> {
    const name = packet.split(/[:,;]/, 1)[0]!;
    switch (name) {
      case 'qSupported':
        return this.reply(SUPPORTED);
      case 'QStartNoAckMode':
        this.send('OK');
        return 'no-ack';
      case 'qXfer':
        return this.reply(this.readFeatures(packet));
      case 'qAttached':
        return this.reply('1');
      case 'qC':
        return this.reply('QC1');
      case 'qfThreadInfo':
        return this.reply('m1');
      case 'qsThreadInfo':
        return this.reply('l');
      case 'qRcmd': {
        const command = hexToText(packet.slice('qRcmd,'.length));
        if (command === null) return this.reply('E01');
        this.sendConsole(await runMonitorCommand(this.target, command));
        return this.reply('OK');
      }
      default:
        return this.reply('');
    }
  }

  /** `v…` packets: `vCont`, `vKill`; `vMustReplyEmpty` and the rest get the empty reply. */
  private async vPacket(packet: string): Promise<StubOutcome> {
    if (packet === 'vCont?') return this.reply('vCont;c;C;s;S');
    if (packet.startsWith('vCont;')) {
      // One thread: the first action applies to it (gdb lists thread-specific actions first).
      const action = packet.slice('vCont;'.length)[0];
      if (action === 'c' || action === 'C' || action === 's' || action === 'S') {
        await this.resume(action === 'c' || action === 'C' ? 'continue' : 'step');
      } else {
        this.send('E01');
      }
      return 'continue';
    }
    if (packet.startsWith('vKill')) {
      this.send('OK');
      return 'kill';
    }
    return this.reply('');
  }

  /** Runs the target and sends the stop reply (after any console line that explains it). */
  private async resume(action: ResumeAction): Promise<void> {
    this.resuming = true;
    let stop: StopEvent;
    try {
      stop = await this.target.resume(action);
    } finally {
      this.resuming = false;
    }
    const { console, packet } = stopReply(stop, (address) => this.hardware.has(address) && !this.software.has(address));
    if (console !== null) this.sendConsole(console);
    this.send(packet);
  }

  /** `p n`: one register in target byte order; `x`s when the target cannot tell it. */
  private readRegister(args: string): string {
    const regnum = parseHexNumber(args);
    if (regnum === null) return 'E01';
    const value = this.target.readRegister(regnum);
    if (value !== null) return registerToHex(value);
    return isDescribedRegister(regnum) ? 'xxxxxxxx' : 'E01';
  }

  /** `m addr,length`: guest memory as hex; E14 (EFAULT) when any byte is not RAM. */
  private readMemory(args: string): string {
    const [addressText = '', lengthText = ''] = args.split(',');
    const address = parseHexNumber(addressText);
    const length = parseHexNumber(lengthText);
    if (address === null || length === null || address > 0xffff_ffff) return 'E01';
    const bytes = this.target.readMemory(address, Math.min(length, MAX_READ_BYTES, 0x1_0000_0000 - address));
    return bytes === null ? 'E14' : bytesToHex(bytes);
  }

  /** `Z/z type,addr,kind`: breakpoints (0 software, 1 hardware) and watchpoints (2, 3, 4). */
  private breakpoint(insert: boolean, args: string): string {
    const [type = '', addressText = '', kindText = ''] = args.split(/[,;]/);
    const address = parseHexNumber(addressText);
    const length = parseHexNumber(kindText);
    if (address === null || length === null) return 'E01';
    if (type === '0' || type === '1') {
      const held = this.software.has(address) || this.hardware.has(address);
      const set = type === '0' ? this.software : this.hardware;
      if (insert) {
        set.add(address);
        if (!held) this.target.setBreakpoint(address);
      } else {
        set.delete(address);
        if (held && !this.software.has(address) && !this.hardware.has(address)) this.target.removeBreakpoint(address);
      }
      return 'OK';
    }
    const kind = WATCH_KINDS[type];
    if (kind === undefined) return '';
    if (insert) this.target.setWatchpoint(kind, address, length);
    else this.target.removeWatchpoint(kind, address, length);
    return 'OK';
  }

  /** `qXfer:features:read:target.xml:offset,length`: a piece of the target description. */
  private readFeatures(packet: string): string {
    const m = /^qXfer:features:read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(packet);
    if (m === null) return '';
    if (m[1] !== 'target.xml') return 'E00';
    const offset = parseInt(m[2]!, 16);
    const piece = TARGET_XML.slice(offset, offset + parseInt(m[3]!, 16));
    return (offset + piece.length >= TARGET_XML.length ? 'l' : 'm') + piece;
  }

  /** Sends text to gdb's console in `O` packets. */
  private sendConsole(text: string): void {
    for (let i = 0; i < text.length; i += CONSOLE_CHUNK) this.send('O' + textToHex(text.slice(i, i + CONSOLE_CHUNK)));
  }
}
