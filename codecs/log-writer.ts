import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { EVENT_KINDS } from '../src/core/event.js';
import type { EventKind, Icount, RrEvent } from '../src/core/event.js';
import { packSimpleArray } from './fast-event-encoder.js';
import { RrvmError } from '../src/core/rrvm-error.js';
import { encodeEvent, newEventCodecState, resetEventCodecState } from './event-codec.js';
import type { EncodedEvent } from './event-codec.js';
import { encodeChunk } from './log-chunk.js';
import { encodeLogFooter } from './log-footer.js';
import type { ChunkIndexEntry, LogFooter, SnapshotIndexEntry } from './log-footer.js';
import { encodeLogHeader } from './log-header.js';
import type { LogHeader } from './log-header.js';
import { CHUNK_FRAME_BYTES, MAX_CHUNK_BYTES, MAX_EVENT_BYTES } from './log-layout.js';
import { packView } from './msgpack.js';

/** Tuning of a LogWriter. */
export interface LogWriterOptions {
  /** A chunk is written when this many events are buffered (default 4096). */
  eventsPerChunk?: number;
  /** ... or when the buffered events take this many bytes (default 1 MiB, at most 16 MiB). */
  chunkBytes?: number;
  /**
   * Kinds applied while an instruction runs (the engine's pull families, such as CLOCK): the
   * SHUTDOWN salvage() writes after one of them goes one instruction later, where that
   * instruction has completed (default none).
   */
  pullKinds?: readonly EventKind[];
}

// Bounds that keep every chunk, even deflated (which can grow a little), within MAX_CHUNK_BYTES:
// buffered bytes stay below chunkBytes before one more event is added.
const MAX_BUFFERED_BYTES = MAX_CHUNK_BYTES / 4;

// Room before the buffered events for the chunk frame and the MessagePack array header (≤ 5 bytes).
const HEADROOM = CHUNK_FRAME_BYTES + 5;

/**
 * Writes an `.rrlog` synchronously: the header at open, a chunk per flush, END plus footer at close.
 * A kill at any moment leaves the header and every chunk flushed so far readable.
 */
export class LogWriter {
  private readonly state = newEventCodecState();
  /** Events and bytes per kind, indexed by tag (a keyed count per event was measurably slow). */
  private readonly countsByTag = new Float64Array(EVENT_KINDS.length + 1);
  private readonly bytesByTag = new Float64Array(EVENT_KINDS.length + 1);
  private readonly index: ChunkIndexEntry[] = [];
  /** The SNAPSHOT events appended so far (the footer lists them). */
  private readonly snapshots: SnapshotIndexEntry[] = [];
  private readonly eventsPerChunk: number;
  private readonly chunkBytes: number;
  private readonly pullKinds: ReadonlySet<EventKind>;
  private buffer = new Uint8Array(64 * 1024);
  private view = new DataView(this.buffer.buffer);
  private bufferedBytes = 0;
  private buffered = 0;
  private chunkFirstIcount: Icount = 0;
  private chunkFirstSeq = 0;
  private lastIcount: Icount = 0;
  private lastKind: EventKind | null = null;
  private offset = 0;
  private closed = false;
  /** What the chunks on disk hold: where salvage() ends the log after a failed write. */
  private written = { icount: 0, lastKind: null as EventKind | null, seq: 0, counts: new Float64Array(EVENT_KINDS.length + 1), bytes: new Float64Array(EVENT_KINDS.length + 1) };

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
    private readonly name: string,
    /** The header written at the start of the log. */
    readonly header: LogHeader,
    options: LogWriterOptions,
  ) {
    this.eventsPerChunk = Math.max(1, options.eventsPerChunk ?? 4096);
    this.chunkBytes = Math.min(MAX_BUFFERED_BYTES, Math.max(1, options.chunkBytes ?? 1024 * 1024));
    this.pullKinds = new Set(options.pullKinds ?? []);
  }

  /**
   * Creates (truncating) the log at `target` — a path, or a file descriptor of a fresh file the
   * caller keeps owning — and writes the header. Throws RrvmError `log.write`.
   */
  static open(target: string | number, header: LogHeader, options: LogWriterOptions = {}): LogWriter {
    const headerBytes = encodeLogHeader(header);
    const name = typeof target === 'string' ? target : `fd ${target}`;
    let fd: number;
    try {
      fd = typeof target === 'string' ? openSync(target, 'w') : target;
    } catch (error) {
      throw writeError(name, error);
    }
    const writer = new LogWriter(fd, typeof target === 'string', name, header, options);
    writer.write(headerBytes);
    return writer;
  }

  /** Events appended so far (END included once closed). */
  get eventCount(): number {
    return this.state.seq;
  }

  /** Bytes written to the file so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /** Events buffered and not yet in a chunk. */
  get pendingEvents(): number {
    return this.buffered;
  }

  /**
   * Buffers `e` (its `seq` is not stored: readers number events 0, 1, 2, … in order) and writes a
   * chunk when the buffer is full. icount must not decrease. END goes through close().
   */
  append(e: RrEvent): void {
    this.assertOpen();
    if (e.kind === 'END') throw new RrvmError('log.write', `${this.name}: END is written by close(), not append()`);
    this.add(e);
    if (this.buffered >= this.eventsPerChunk || this.bufferedBytes >= this.chunkBytes) this.flush();
  }

  /** Writes the buffered events as one chunk (nothing when none are buffered). */
  flush(): void {
    this.assertOpen();
    if (this.buffered === 0) return;
    const n = this.buffered;
    const headerBytes = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
    const start = HEADROOM - headerBytes;
    const view = this.view;
    // MessagePack array header (fixarray / array 16 / array 32), big-endian as MessagePack is.
    if (headerBytes === 1) this.buffer[start] = 0x90 | n;
    else if (headerBytes === 3) {
      this.buffer[start] = 0xdc;
      view.setUint16(start + 1, n);
    } else {
      this.buffer[start] = 0xdd;
      view.setUint32(start + 1, n);
    }
    const events = this.buffer.subarray(start, HEADROOM + this.bufferedBytes);
    const frame = encodeChunk(events, this.header.compression);
    const entry = { offset: this.offset, firstIcount: this.chunkFirstIcount, firstSeq: this.chunkFirstSeq };
    this.write(frame);
    this.index.push(entry);
    this.buffered = 0;
    this.bufferedBytes = 0;
    resetEventCodecState(this.state);
    this.written = { icount: this.lastIcount, lastKind: this.lastKind, seq: this.state.seq, counts: this.countsByTag.slice(), bytes: this.bytesByTag.slice() };
  }

  /**
   * After a write failed (disk full, file size limit, I/O error): drops the torn bytes and the
   * events that were not yet in a complete chunk, then tries to end the log right after its
   * last complete chunk with SHUTDOWN (`reason`) and END (no final CHECKPOINT: that state was
   * never recorded), footer and trailer, so that it replays to there and stops cleanly. SHUTDOWN
   * goes at the last event's icount, or just after it when that event is a pull (`pullKinds`).
   * Returns the icount where the log now ends with END, or null
   * when even that could not be written (the file then ends with its last complete chunk).
   * The writer is closed either way.
   */
  salvage(reason: string): Icount | null {
    const { lastKind, seq, counts, bytes } = this.written;
    const icount = this.written.icount + (lastKind !== null && this.pullKinds.has(lastKind) ? 1 : 0);
    this.closed = true;
    try {
      // Freeing the torn bytes is also what may leave room for the last chunk on a full disk.
      ftruncateSync(this.fd, this.offset);
      resetEventCodecState(this.state);
      this.state.seq = seq;
      this.countsByTag.set(counts);
      this.bytesByTag.set(bytes);
      this.buffered = 0;
      this.bufferedBytes = 0;
      // Snapshots that were only buffered are gone with their chunk.
      while (this.snapshots.length > 0 && this.snapshots[this.snapshots.length - 1]!.seq >= seq) this.snapshots.pop();
      this.lastIcount = this.written.icount;
      this.closed = false;
      this.append({ kind: 'SHUTDOWN', icount, seq, reason });
      this.close({ icount });
      return icount;
    } catch {
      try {
        ftruncateSync(this.fd, this.offset);
      } catch {
        // Nothing more can be done: a reader stops at the torn bytes anyway.
      }
      this.closed = true;
      if (this.ownsFd) closeQuietly(this.fd);
      return null;
    }
  }

  /**
   * Appends END at `end.icount`, writes the last chunk, the footer and the trailer, and closes
   * the file if this writer opened it. Returns the footer.
   */
  close(end: { icount: Icount }): LogFooter {
    this.assertOpen();
    this.add({ kind: 'END', icount: end.icount, seq: this.state.seq });
    this.flush();
    const footer: LogFooter = {
      endIcount: end.icount,
      eventCount: this.state.seq,
      counts: perKind(this.countsByTag),
      bytes: perKind(this.bytesByTag),
      index: this.index.slice(),
      snapshots: this.snapshots.slice(),
    };
    this.write(encodeLogFooter(footer, this.offset));
    this.closed = true;
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch (error) {
        throw writeError(this.name, error);
      }
    }
    return footer;
  }

  private add(e: RrEvent): void {
    if (!(e.icount >= this.lastIcount)) {
      throw new RrvmError('log.write', `${this.name}: ${e.kind} at icount ${e.icount} follows icount ${this.lastIcount}`);
    }
    const seq = this.state.seq;
    const encoded: EncodedEvent = encodeEvent(e, this.state);
    if (this.buffered === 0) {
      this.chunkFirstIcount = e.icount;
      this.chunkFirstSeq = seq;
    }
    this.reserve(1 + 9 * encoded.length + 2 * 255);
    const fast = packSimpleArray(encoded, this.buffer, this.view, HEADROOM + this.bufferedBytes);
    if (fast >= 0) return this.added(e, encoded[0], fast);
    const packed = packView(encoded);
    if (packed.length > MAX_EVENT_BYTES) {
      // The codec state already moved on; the writer cannot continue consistently.
      this.closed = true;
      throw new RrvmError('log.write', `${this.name}: a ${packed.length}-byte ${e.kind} event cannot fit in a chunk`);
    }
    this.reserve(packed.length);
    this.buffer.set(packed, HEADROOM + this.bufferedBytes);
    this.added(e, encoded[0], packed.length);
  }

  /** Accounts for an event (log tag `tag`) whose `size` bytes were just placed in the buffer. */
  private added(e: RrEvent, tag: number, size: number): void {
    if (e.kind === 'SNAPSHOT') this.snapshots.push({ icount: e.icount, seq: this.state.seq - 1 });
    this.bufferedBytes += size;
    this.buffered++;
    this.lastIcount = e.icount;
    this.lastKind = e.kind;
    this.countsByTag[tag]++;
    this.bytesByTag[tag] += size;
  }

  private reserve(more: number): void {
    const needed = HEADROOM + this.bufferedBytes + more;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, HEADROOM + this.bufferedBytes));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  private write(bytes: Uint8Array): void {
    try {
      let done = 0;
      // At explicit offsets: after a failed write the file position is past torn bytes salvage() drops.
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.offset + done);
    } catch (error) {
      this.closed = true;
      throw writeError(this.name, error);
    }
    this.offset += bytes.length;
  }

  private assertOpen(): void {
    if (this.closed) throw new RrvmError('log.write', `${this.name}: log writer is closed`);
  }
}

/** A per-kind record from a table indexed by tag (tag = index in EVENT_KINDS + 1). */
function perKind(byTag: Float64Array): Record<EventKind, number> {
  return Object.fromEntries(EVENT_KINDS.map((kind, i) => [kind, byTag[i + 1]!])) as Record<EventKind, number>;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing: the first error is the one reported.
  }
}

function writeError(name: string, error: unknown): RrvmError {
  return new RrvmError('log.write', `cannot write ${name}: ${error instanceof Error ? error.message : String(error)}`);
}
