import type { AccessSize } from '../../mmio-device.js';
import type { StateRecord } from '../../state.js';
import { getU32, putU32, readChain, writeSegments, type DescriptorChain, type Segment } from './split-queue.js';
import { readConfigBytes, VirtioDeviceId, type VirtioDevice, type VirtioTransport } from './virtio-device.js';

/** The queues (VIRTIO 1.2 §5.14.2). */
export const VirtioSndQueue = { CONTROL: 0, EVENT: 1, TX: 2, RX: 3 } as const;

/** Request codes and status codes (§5.14.6). */
export const VirtioSndCode = {
  R_JACK_INFO: 1,
  R_PCM_INFO: 0x100,
  R_PCM_SET_PARAMS: 0x101,
  R_PCM_PREPARE: 0x102,
  R_PCM_RELEASE: 0x103,
  R_PCM_START: 0x104,
  R_PCM_STOP: 0x105,
  R_CHMAP_INFO: 0x200,
  S_OK: 0x8000,
  S_BAD_MSG: 0x8001,
  S_NOT_SUPP: 0x8002,
} as const;

/** The one sample format offered: VIRTIO_SND_PCM_FMT_S16 (signed 16-bit little-endian). */
export const VIRTIO_SND_PCM_FMT_S16 = 5;
/** Frame rates by VIRTIO_SND_PCM_RATE_* index; indices 1 (8 kHz) to 7 (48 kHz) are offered. */
export const VIRTIO_SND_RATES = [5512, 8000, 11025, 16000, 22050, 32000, 44100, 48000] as const;
const RATE_MIN_INDEX = 1;
/** The streams: 0 output (VIRTIO_SND_D_OUTPUT), 1 input (VIRTIO_SND_D_INPUT). */
export const SoundStream = { OUTPUT: 0, INPUT: 1 } as const;
/** Queue size offered for every queue. */
export const VIRTIO_SND_QUEUE_SIZE = 64;
/** Bytes of `virtio_snd_pcm_info`. */
const PCM_INFO_BYTES = 32;
/** Bytes of `virtio_snd_pcm_xfer` (stream_id) before the data, and of `virtio_snd_pcm_status` after it. */
const XFER_BYTES = 4;
const STATUS_BYTES = 8;

/** `virtio_snd_config`: jacks 0, streams 2, chmaps 0. */
const SOUND_CONFIG = Uint8Array.of(0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0);

/** A stream's state (§5.14.6.6.1): set up by SET_PARAMS, PREPARE, START; STOP and RELEASE step back. */
export const PcmState = { NONE: 0, PARAMS: 1, PREPARED: 2, RUNNING: 3 } as const;

/** What the device tells the host about a stream (the machine's `audioStream` port). */
export interface SoundHost {
  /** Stream `stream` started (running) or stopped at `rate` Hz with `channels` channels. */
  stream(stream: number, rate: number, channels: number, running: boolean): void;
}

/** A stream's configuration and state. */
interface Pcm {
  state: number;
  rate: number;
  channels: number;
  bufferBytes: number;
  periodBytes: number;
}

/** A tx or rx buffer the device holds: its chain and how many data bytes it has played or filled. */
interface Held {
  chain: DescriptorChain;
  done: number;
}

/** What `play` returns: the frames consumed and their bytes, starting at output byte `offset`. */
export interface Played {
  frames: number;
  offset: number;
  bytes: Uint8Array;
}

/**
 * virtio-sound (VIRTIO 1.2 §5.14): one output and one input PCM stream, S16_LE, 1–2 channels,
 * 8–48 kHz, no jacks and no channel maps. Control requests are answered at once. Transfers
 * wait in the device: `play(frames)` (an AUDIO_OUT event: the host consumed that many frames)
 * takes data from the tx buffers in order and returns each to the guest once played — that is
 * what paces the guest — and `capture(bytes)` (AUDIO_IN) fills rx buffers in order, returning
 * each when full. Starting and stopping a stream is told to the host through `SoundHost`.
 */
export class VirtioSound implements VirtioDevice {
  readonly deviceId = VirtioDeviceId.SOUND;
  readonly name = 'virtio-sound';
  readonly queueNumMax = [VIRTIO_SND_QUEUE_SIZE, VIRTIO_SND_QUEUE_SIZE, VIRTIO_SND_QUEUE_SIZE, VIRTIO_SND_QUEUE_SIZE];
  readonly features = [0, 0] as const;
  private transport: VirtioTransport | null = null;
  private pcms: Pcm[] = [newPcm(), newPcm()];
  private tx: Held[] = [];
  private rx: Held[] = [];
  /** Output bytes played since reset: where the next played bytes go in the output. */
  private playedBytes = 0;

  constructor(private readonly host: SoundHost) {}

  attach(transport: VirtioTransport): void {
    this.transport = transport;
  }

  /** `virtio_snd_config`: jacks 0, streams 2, chmaps 0 (le32 each). */
  readConfig(offset: number, size: AccessSize): number {
    return readConfigBytes(SOUND_CONFIG, offset, size);
  }

  writeConfig(_offset: number, _size: AccessSize, _value: number): void {}

  queueNotify(queue: number): void {
    const t = this.transport;
    if (t === null) return;
    if (queue === VirtioSndQueue.CONTROL) {
      for (let chain = t.pop(queue); chain !== null; chain = t.pop(queue)) this.control(t, chain);
    } else if (queue === VirtioSndQueue.TX || queue === VirtioSndQueue.RX) {
      const held = queue === VirtioSndQueue.TX ? this.tx : this.rx;
      const stream = queue === VirtioSndQueue.TX ? SoundStream.OUTPUT : SoundStream.INPUT;
      for (let chain = t.pop(queue); chain !== null; chain = t.pop(queue)) {
        const header = readChain(t.memory, chain, 0, XFER_BYTES);
        if (header === null || chain.writableBytes < STATUS_BYTES) {
          t.fail();
          return;
        }
        if (getU32(header, 0) !== stream) this.complete(t, queue, { chain, done: 0 }, VirtioSndCode.S_BAD_MSG);
        else held.push({ chain, done: 0 });
      }
    }
    // eventq buffers stay with the device: it has no events to send (no jacks).
  }

  /**
   * The host consumed `frames` frames of the output stream: plays that many (or as many as the
   * tx buffers hold) and returns them; played buffers go back to the guest. Nothing unless running.
   */
  play(frames: number): Played {
    const t = this.transport;
    const pcm = this.pcms[SoundStream.OUTPUT]!;
    const offset = this.playedBytes;
    if (t === null || pcm.state !== PcmState.RUNNING) return { frames: 0, offset, bytes: new Uint8Array(0) };
    const frameBytes = 2 * pcm.channels;
    const parts: Uint8Array[] = [];
    let want = frames * frameBytes;
    while (want > 0 && this.tx.length > 0) {
      const held = this.tx[0]!;
      const size = held.chain.readableBytes - XFER_BYTES;
      const n = Math.min(want, size - held.done);
      const bytes = readChain(t.memory, held.chain, XFER_BYTES + held.done, n);
      if (bytes === null) {
        t.fail();
        break;
      }
      parts.push(bytes);
      held.done += n;
      want -= n;
      if (held.done === size) this.complete(t, VirtioSndQueue.TX, this.tx.shift()!, VirtioSndCode.S_OK);
    }
    const bytes = concat(parts);
    this.playedBytes += bytes.length;
    return { frames: Math.floor(bytes.length / frameBytes), offset, bytes };
  }

  /** Captured samples for the input stream: fills rx buffers in order; returns how many bytes were taken. Nothing unless running. */
  capture(samples: Uint8Array): number {
    const t = this.transport;
    if (t === null || this.pcms[SoundStream.INPUT]!.state !== PcmState.RUNNING) return 0;
    let taken = 0;
    while (taken < samples.length && this.rx.length > 0) {
      const held = this.rx[0]!;
      const size = held.chain.writableBytes - STATUS_BYTES;
      const n = Math.min(samples.length - taken, size - held.done);
      if (!writeSegments(t.memory, held.chain.segments, held.done, samples.subarray(taken, taken + n))) {
        t.fail();
        break;
      }
      held.done += n;
      taken += n;
      if (held.done === size) this.complete(t, VirtioSndQueue.RX, this.rx.shift()!, VirtioSndCode.S_OK);
    }
    return taken;
  }

  reset(): void {
    for (const [stream, pcm] of this.pcms.entries()) if (pcm.state === PcmState.RUNNING) this.host.stream(stream, pcm.rate, pcm.channels, false);
    this.pcms = [newPcm(), newPcm()];
    this.tx = [];
    this.rx = [];
    this.playedBytes = 0;
  }

  save(): StateRecord {
    return {
      pcms: this.pcms.map((p) => [p.state, p.rate, p.channels, p.bufferBytes, p.periodBytes]),
      tx: this.tx.map(saveHeld),
      rx: this.rx.map(saveHeld),
      playedBytes: this.playedBytes,
    };
  }

  restore(s: StateRecord): void {
    this.pcms = (s.pcms as number[][]).map(([state, rate, channels, bufferBytes, periodBytes]) => ({
      state: state!,
      rate: rate!,
      channels: channels!,
      bufferBytes: bufferBytes!,
      periodBytes: periodBytes!,
    }));
    this.tx = (s.tx as StateRecord[]).map(restoreHeld);
    this.rx = (s.rx as StateRecord[]).map(restoreHeld);
    this.playedBytes = s.playedBytes as number;
  }

  /** Returns a transfer to the guest with `status` (and, for rx, the bytes filled). */
  private complete(t: VirtioTransport, queue: number, held: Held, status: number): void {
    const tail = new Uint8Array(STATUS_BYTES);
    putU32(tail, 0, status);
    const dataBytes = queue === VirtioSndQueue.RX ? held.done : 0;
    // The status is the last 8 bytes of the device-writable part (all of it for tx).
    if (!writeSegments(t.memory, held.chain.segments, held.chain.writableBytes - STATUS_BYTES, tail)) {
      t.fail();
      return;
    }
    t.push(queue, held.chain.head, dataBytes + STATUS_BYTES);
  }

  /** Answers one control request (§5.14.6). */
  private control(t: VirtioTransport, chain: DescriptorChain): void {
    const request = readChain(t.memory, chain, 0, Math.min(chain.readableBytes, 64));
    if (request === null || request.length < 4 || chain.writableBytes < 4) {
      t.fail();
      return;
    }
    const C = VirtioSndCode;
    const code = getU32(request, 0);
    let reply: Uint8Array;
    if (code === C.R_PCM_INFO || code === C.R_JACK_INFO || code === C.R_CHMAP_INFO) {
      reply = this.info(code, request);
    } else if (code >= C.R_PCM_SET_PARAMS && code <= C.R_PCM_STOP) {
      reply = status(request.length < 8 ? C.S_BAD_MSG : this.pcmRequest(t, code, getU32(request, 4), request));
    } else {
      reply = status(C.S_NOT_SUPP);
    }
    if (reply.length > chain.writableBytes) reply = status(C.S_BAD_MSG);
    if (!writeSegments(t.memory, chain.segments, 0, reply)) {
      t.fail();
      return;
    }
    t.push(VirtioSndQueue.CONTROL, chain.head, reply.length);
  }

  /** A query (`virtio_snd_query_info`: start_id, count, size): PCM info items; there are no jacks or channel maps. */
  private info(code: number, request: Uint8Array): Uint8Array {
    if (request.length < 16) return status(VirtioSndCode.S_BAD_MSG);
    const [start, count, size] = [getU32(request, 4), getU32(request, 8), getU32(request, 12)];
    const items = code === VirtioSndCode.R_PCM_INFO ? 2 : 0;
    if (start + count > items || (count > 0 && size < PCM_INFO_BYTES)) return status(VirtioSndCode.S_BAD_MSG);
    const reply = new Uint8Array(4 + count * size);
    putU32(reply, 0, VirtioSndCode.S_OK);
    for (let i = 0; i < count; i++) {
      const at = 4 + i * size;
      // hda_fn_nid 0; features 0; formats; rates; direction; channels_min; channels_max.
      reply[at + 8] = 1 << VIRTIO_SND_PCM_FMT_S16;
      for (let r = RATE_MIN_INDEX; r < VIRTIO_SND_RATES.length; r++) reply[at + 16] |= 1 << r;
      reply[at + 24] = start + i;
      reply[at + 25] = 1;
      reply[at + 26] = 2;
    }
    return reply;
  }

  /** SET_PARAMS, PREPARE, RELEASE, START, STOP for stream `id`; returns the status. */
  private pcmRequest(t: VirtioTransport, code: number, id: number, request: Uint8Array): number {
    const C = VirtioSndCode;
    const pcm = this.pcms[id];
    if (pcm === undefined) return C.S_BAD_MSG;
    const { NONE, PARAMS, PREPARED, RUNNING } = PcmState;
    switch (code) {
      case C.R_PCM_SET_PARAMS: {
        if (request.length < 24 || pcm.state === RUNNING) return C.S_BAD_MSG;
        const [bufferBytes, periodBytes] = [getU32(request, 8), getU32(request, 12)];
        const [channels, format, rate] = [request[20]!, request[21]!, request[22]!];
        if (format !== VIRTIO_SND_PCM_FMT_S16 || channels < 1 || channels > 2 || rate < RATE_MIN_INDEX || rate >= VIRTIO_SND_RATES.length) return C.S_NOT_SUPP;
        if (periodBytes === 0 || bufferBytes < periodBytes) return C.S_BAD_MSG;
        Object.assign(pcm, { state: PARAMS, rate: VIRTIO_SND_RATES[rate]!, channels, bufferBytes, periodBytes });
        return C.S_OK;
      }
      case C.R_PCM_PREPARE:
        if (pcm.state === NONE || pcm.state === RUNNING) return C.S_BAD_MSG;
        pcm.state = PREPARED;
        return C.S_OK;
      case C.R_PCM_START:
      case C.R_PCM_STOP: {
        const start = code === C.R_PCM_START;
        if (pcm.state !== (start ? PREPARED : RUNNING)) return C.S_BAD_MSG;
        pcm.state = start ? RUNNING : PREPARED;
        this.host.stream(id, pcm.rate, pcm.channels, start);
        return C.S_OK;
      }
      default: {
        // RELEASE: every transfer still held for the stream goes back to the guest.
        if (pcm.state !== PARAMS && pcm.state !== PREPARED) return C.S_BAD_MSG;
        pcm.state = PARAMS;
        const [queue, held] = id === SoundStream.OUTPUT ? [VirtioSndQueue.TX, this.tx] : [VirtioSndQueue.RX, this.rx];
        for (const h of held.splice(0)) this.complete(t, queue, h, C.S_OK);
        return C.S_OK;
      }
    }
  }
}

function newPcm(): Pcm {
  return { state: PcmState.NONE, rate: 0, channels: 0, bufferBytes: 0, periodBytes: 0 };
}

function status(code: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, code);
  return b;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A held transfer as a flat record: head, done, and (address, length, writable) per segment. */
function saveHeld(h: Held): StateRecord {
  return { head: h.chain.head, done: h.done, segments: Uint32Array.from(h.chain.segments.flatMap((s) => [s.address, s.length, s.writable ? 1 : 0])) };
}

function restoreHeld(saved: StateRecord): Held {
  const flat = saved.segments as Uint32Array;
  const segments: Segment[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) segments.push({ address: flat[i]!, length: flat[i + 1]!, writable: flat[i + 2] !== 0 });
  const sum = (writable: boolean): number => segments.reduce((n, s) => n + (s.writable === writable ? s.length : 0), 0);
  return { chain: { head: saved.head as number, segments, readableBytes: sum(false), writableBytes: sum(true) }, done: saved.done as number };
}
