import { EVENT_KINDS } from '../src/core/event.js';
import type { Icount, RrEvent } from '../src/core/event.js';
import { decodeChunkFast } from './fast-chunk-decoder.js';
import { RrvmError } from '../src/core/rrvm-error.js';
import { crc32 } from './crc32.js';
import { decodeEvent, EVENT_TAGS, newEventCodecState, resetEventCodecState } from './event-codec.js';
import type { EventCodecState } from './event-codec.js';
import { inflateChunk, unpackChunk } from './log-chunk.js';
import { decodeLogFooter, readTrailer } from './log-footer.js';
import type { LogFooter } from './log-footer.js';
import { decodeLogHeader } from './log-header.js';
import { fileLogSource, memoryLogSource, readBytes } from './log-source.js';
import type { LogSource } from './log-source.js';
import type { LogHeader } from './log-header.js';
import { CHUNK_FRAME_BYTES, FOOTER_MARKER, hex32, MAX_CHUNK_BYTES } from './log-layout.js';

/** Where a chunk of the log is: its frame's file offset, its payload length, and its first event's stamp. */
export interface LogChunk {
  /** File offset of the chunk frame (its length field). */
  offset: number;
  /** Payload bytes as stored (after the 8-byte frame). */
  length: number;
  /** icount of the chunk's first event. */
  firstIcount: Icount;
  /** seq of the chunk's first event. */
  firstSeq: number;
}

/**
 * Where a log without footer stops: `offset` is the first byte that is not part of a complete
 * chunk (a torn chunk or footer starts there, or damage, or the file ends there), `icount` the
 * icount of the last complete event (0 if none), and `reason` what lies at `offset`.
 */
export interface LogTruncation {
  offset: number;
  icount: Icount;
  reason: string;
}

/**
 * Reads an `.rrlog` from a file (or bytes in memory) without holding more than one chunk: opening
 * reads the header, the footer and the chunk frames, or, for a log without footer, scans its
 * chunks once (CRC and decoding) to find where the complete ones end. Events are decoded lazily,
 * chunk by chunk, and every chunk's CRC is checked when it is read. A log cut short (recorder or
 * machine killed) opens without error: `footer` is null and `truncatedAt` says where its
 * complete chunks end. Every failure is an RrvmError with a `log.*` code naming the byte offset.
 */
export class LogReader {
  /** The machine configuration and provenance from the header. */
  readonly header: LogHeader;
  /** The footer, or null when the log was cut before close. */
  readonly footer: LogFooter | null;
  /** Set exactly when `footer` is null. */
  readonly truncatedAt: LogTruncation | null;
  /** The complete chunks, in file order. */
  readonly chunks: readonly LogChunk[];
  /** Size of the log file in bytes. */
  readonly fileBytes: number;
  /** Files embedded by `rrvm pack`, by SHA-256: where their bytes are in the log. */
  readonly embedded: ReadonlyMap<string, { offset: number; bytes: number }>;
  /** File offset of the first chunk (after the header and the embedded files). */
  readonly chunksOffset: number;
  /** File offset where the complete chunks end (the footer, or where a cut log's damage starts). */
  readonly chunksEnd: number;
  /** The frame of the chunk being read (valid until the next chunk is read). */
  private scratch = new Uint8Array(64 * 1024);

  private constructor(
    /** Label used in error messages (the path). */
    readonly name: string,
    /** The bytes of the log. */
    readonly source: LogSource,
  ) {
    this.fileBytes = source.size;
    const { header, end: headerEnd } = decodeLogHeader(source, name);
    this.header = header;
    const embedded = new Map<string, { offset: number; bytes: number }>();
    let firstChunk = headerEnd;
    for (const file of header.embedded ?? []) {
      if (file.bytes > source.size - firstChunk) {
        throw new RrvmError('log.header', `${name}: embedded file ${file.sha256.slice(0, 16)}… at offset ${firstChunk} runs past the end of the file`);
      }
      embedded.set(file.sha256, { offset: firstChunk, bytes: file.bytes });
      firstChunk += file.bytes;
    }
    this.embedded = embedded;
    this.chunksOffset = firstChunk;
    // With a trailer the file claims to be complete: anything short of it is corruption, not a cut.
    const footerOffset = readTrailer(source, firstChunk, name);
    if (footerOffset !== null) {
      const parsed = decodeLogFooter(source, footerOffset, true, name) as { footer: LogFooter };
      this.footer = parsed.footer;
      this.chunks = this.indexedChunks(firstChunk, footerOffset);
      this.truncatedAt = null;
      this.chunksEnd = footerOffset;
    } else {
      const scan = this.scanChunks(firstChunk);
      this.footer = null;
      this.chunks = scan.chunks;
      this.truncatedAt = scan.cut;
      this.chunksEnd = scan.cut.offset;
    }
  }

  /**
   * Opens the log at `path`, reading only its header, footer and chunk frames (or, without a
   * footer, scanning its chunks). Throws RrvmError `log.open` when it is not a regular file or
   * cannot be read, and the `log.*` errors of a bad log.
   */
  static open(path: string): LogReader {
    const source = fileLogSource(path);
    try {
      return new LogReader(path, source);
    } catch (error) {
      source.close();
      throw error;
    }
  }

  /** Opens a log already in memory; `name` labels error messages. */
  static fromBytes(file: Uint8Array, name = '<log>'): LogReader {
    return new LogReader(name, memoryLogSource(file));
  }

  /** True when the log embeds its guest ELF (`rrvm pack`): it replays without the ELF file. */
  get packed(): boolean {
    return this.embedded.has(this.header.elfSha256);
  }

  /** The bytes of the embedded file with `sha256`, or null when the log does not embed it. */
  readEmbedded(sha256: string): Uint8Array | null {
    const file = this.embedded.get(sha256);
    return file === undefined ? null : readBytes(this.source, file.offset, file.bytes);
  }

  /** Closes the file; iterating afterwards throws `log.open`. */
  close(): void {
    this.source.close();
  }

  /**
   * Throws RrvmError `log.truncated` ("log ends without END at icount N") when the log has no
   * footer. For commands that need a complete log; replay can instead run the complete chunks.
   */
  requireComplete(): void {
    const cut = this.truncatedAt;
    if (cut !== null) {
      throw new RrvmError(
        'log.truncated',
        `${this.name}: log ends without END at icount ${cut.icount} (complete chunks end at offset ${cut.offset}, followed by ${cut.reason})`,
      );
    }
  }

  /**
   * The events in stream order with icount and seq restored (seq = 0, 1, 2, … from the first
   * event of the log), starting with the first event at or after `fromIcount`; the chunk index
   * lets it skip the chunks before. Throws RrvmError `log.crc` / `log.chunk` / `log.footer`
   * during iteration at the first chunk that fails its CRC, does not decode or disagrees with
   * the footer.
   */
  *events(fromIcount: Icount = 0): Generator<RrEvent, void, undefined> {
    for (const chunk of this.eventChunks(fromIcount)) {
      for (const e of chunk) if (e.icount >= fromIcount) yield e;
    }
  }

  /**
   * The same events a chunk at a time (each array is the caller's), with the same checks:
   * the replay gate's feed, which saves a generator step per event. The first chunk may hold
   * events before `fromIcount`.
   */
  *eventChunks(fromIcount: Icount = 0): Generator<RrEvent[], void, undefined> {
    const chunks = this.chunks;
    let first = 0;
    // Events at one icount may straddle chunks: start in the last chunk that begins strictly before.
    while (first + 1 < chunks.length && chunks[first + 1]!.firstIcount < fromIcount) first++;
    yield* this.chunksFrom(first);
  }

  /**
   * The events from sequence number `seq` on, a chunk at a time, with the checks of
   * `eventChunks`: where a replay restored from a snapshot goes on. The first chunk may hold
   * events before `seq`.
   */
  *eventChunksFromSeq(seq: number): Generator<RrEvent[], void, undefined> {
    const chunks = this.chunks;
    let first = 0;
    while (first + 1 < chunks.length && chunks[first + 1]!.firstSeq <= seq) first++;
    yield* this.chunksFrom(first);
  }

  private *chunksFrom(first: number): Generator<RrEvent[], void, undefined> {
    const footer = this.footer;
    const state = newEventCodecState(this.chunks[first]?.firstSeq ?? 0);
    // The decoder counts events per tag: END is found from the counts, with no pass over the events.
    let lastIcount = -1;
    for (let i = first; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const endsBefore = state.tagCounts[END_TAG]!;
      const events = this.decodeChunk(chunk, this.readPayload(chunk), state);
      const head = events[0]!;
      if (head.icount < lastIcount) {
        throw new RrvmError('log.chunk', `${this.name}: chunk at offset ${chunk.offset} starts at icount ${head.icount}, before ${lastIcount}`);
      }
      if (chunk.firstIcount !== head.icount || chunk.firstSeq !== head.seq) {
        throw new RrvmError('log.footer', `${this.name}: footer index entry ${i} disagrees with chunk at offset ${chunk.offset}`);
      }
      const last = events[events.length - 1]!;
      // Within a chunk icounts never decrease (stored as deltas ≥ 0); END may only be the very last event.
      if (endsBefore > 0 || state.tagCounts[END_TAG]! - endsBefore > (last.kind === 'END' ? 1 : 0)) {
        throw new RrvmError('log.chunk', `${this.name}: chunk at offset ${chunk.offset}: event after END`);
      }
      lastIcount = last.icount;
      yield events;
    }
    if (footer === null) return;
    const whole = first === 0;
    const counts = state.tagCounts;
    if (counts[END_TAG] === 0 || lastIcount !== footer.endIcount || (whole && state.seq !== footer.eventCount)) {
      throw new RrvmError('log.footer', `${this.name}: footer says END at icount ${footer.endIcount}, the chunks disagree`);
    }
    if (whole && EVENT_KINDS.some((kind) => counts[EVENT_TAGS[kind]] !== footer.counts[kind])) {
      throw new RrvmError('log.footer', `${this.name}: footer event counts disagree with the chunks`);
    }
  }

  /**
   * The chunks the footer's index lists, checked against the frames in the file (each one's
   * length must reach exactly the next one, the last one the footer at `footerOffset`). Reads
   * 8 bytes per chunk; payloads and CRCs are checked when the chunks are read.
   */
  private indexedChunks(firstChunk: number, footerOffset: number): LogChunk[] {
    const name = this.name;
    const chunks: LogChunk[] = [];
    let pos = firstChunk;
    for (const [i, entry] of this.footer!.index.entries()) {
      if (entry.offset !== pos) {
        throw new RrvmError('log.footer', `${name}: footer index entry ${i} names offset ${entry.offset}, the chunk frames reach offset ${pos}`);
      }
      const length = this.frameLength(pos, footerOffset);
      if (length === null) throw chunkError(name, pos, `frame runs past the footer at offset ${footerOffset}`);
      if (length === 0 || length > MAX_CHUNK_BYTES) throw chunkError(name, pos, `declared length ${length} is outside 1..${MAX_CHUNK_BYTES}`);
      if (length > footerOffset - pos - CHUNK_FRAME_BYTES) {
        throw chunkError(name, pos, `declared length ${length} runs past the footer at offset ${footerOffset}`);
      }
      chunks.push({ offset: pos, length, firstIcount: entry.firstIcount, firstSeq: entry.firstSeq });
      pos += CHUNK_FRAME_BYTES + length;
    }
    if (pos !== footerOffset) {
      throw new RrvmError('log.footer', `${name}: the footer index lists chunks up to offset ${pos}, but the footer is at offset ${footerOffset}`);
    }
    return chunks;
  }

  /**
   * The complete chunks of a log without trailer, read once in order (CRC-checked and decoded),
   * and where they end. A frame that is torn, zeroed or fails its CRC ends the log there: a
   * crash of the recorder or the machine leaves such tails, and everything before is intact.
   * A CRC-valid chunk that does not decode, or icounts going back, is still an error.
   */
  private scanChunks(firstChunk: number): { chunks: LogChunk[]; cut: LogTruncation } {
    const size = this.source.size;
    const chunks: LogChunk[] = [];
    const state = newEventCodecState(0);
    let lastIcount = 0;
    let pos = firstChunk;
    const cut = (reason: string): { chunks: LogChunk[]; cut: LogTruncation } => ({ chunks, cut: { offset: pos, icount: lastIcount, reason } });
    // Every pass consumes at least CHUNK_FRAME_BYTES + 1 bytes or ends the loop.
    for (;;) {
      if (pos === size) return cut('the file ends there');
      if (size - pos >= 4 && this.u32At(pos) === FOOTER_MARKER) {
        // No trailer at the end: this footer can only be torn (or corrupt, which decode reports).
        decodeLogFooter(this.source, pos, false, this.name);
        return cut('a footer cut short');
      }
      const length = this.frameLength(pos, size);
      if (length === null) return cut('a chunk frame cut short');
      if (length === 0) return cut('zero bytes where a chunk should start');
      if (length > MAX_CHUNK_BYTES) return cut(`a chunk length of ${length}, outside 1..${MAX_CHUNK_BYTES}`);
      if (length > size - pos - CHUNK_FRAME_BYTES) return cut(`a chunk of ${length} bytes cut short at the end of the file`);
      const chunk: LogChunk = { offset: pos, length, firstIcount: 0, firstSeq: state.seq };
      const payload = this.readPayload(chunk, false);
      if (payload === null) return cut('a chunk whose CRC-32 does not match (torn or overwritten)');
      const events = this.decodeChunk(chunk, payload, state);
      const head = events[0]!;
      if (head.icount < lastIcount) {
        throw chunkError(this.name, pos, `starts at icount ${head.icount}, before ${lastIcount}`);
      }
      chunk.firstIcount = head.icount;
      chunks.push(chunk);
      lastIcount = events[events.length - 1]!.icount;
      pos += CHUNK_FRAME_BYTES + length;
    }
  }

  /** The length field of the frame at `pos`, or null when the 8-byte frame does not fit before `limit`. */
  private frameLength(pos: number, limit: number): number | null {
    return limit - pos < CHUNK_FRAME_BYTES ? null : this.u32At(pos);
  }

  private u32At(pos: number): number {
    const bytes = readBytes(this.source, pos, 4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  /**
   * The payload of `chunk`, CRC-checked, in the reader's scratch buffer. A mismatch throws RrvmError `log.crc`, or returns null
   * when `strict` is false.
   */
  private readPayload(chunk: LogChunk, strict?: true): Uint8Array;
  private readPayload(chunk: LogChunk, strict: false): Uint8Array | null;
  private readPayload(chunk: LogChunk, strict = true): Uint8Array | null {
    const frameBytes = CHUNK_FRAME_BYTES + chunk.length;
    // One buffer, reused for every chunk (decoded events copy their bytes out of it): reading a
    // log allocates nothing per chunk that the garbage collector would have to catch up with.
    if (this.scratch.length < frameBytes) this.scratch = new Uint8Array(Math.max(frameBytes, 2 * this.scratch.length));
    const frame = this.scratch.subarray(0, frameBytes);
    this.source.readInto(frame, chunk.offset);
    const stored = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(4, true);
    const payload = frame.subarray(CHUNK_FRAME_BYTES);
    const actual = crc32(payload);
    if (stored === actual) return payload;
    if (!strict) return null;
    throw new RrvmError(
      'log.crc',
      `${this.name}: chunk at offset ${chunk.offset}: CRC-32 mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`,
    );
  }

  /** Decodes a chunk's payload in full, so that a bad chunk fails before any of its events is yielded. */
  private decodeChunk(chunk: LogChunk, payload: Uint8Array, state: EventCodecState): RrEvent[] {
    const where = `${this.name}: chunk at offset ${chunk.offset}`;
    resetEventCodecState(state);
    const bytes = inflateChunk(payload, this.header.compression, where);
    const fast = decodeChunkFast(bytes, state);
    if (fast !== null) return fast;
    const stored = unpackChunk(bytes, where);
    const events: RrEvent[] = [];
    for (let j = 0; j < stored.length; j++) {
      try {
        events.push(decodeEvent(stored[j], state));
      } catch (error) {
        const code = error instanceof RrvmError ? error.code : 'log.chunk';
        throw new RrvmError(code, `${where}, event ${j}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return events;
  }
}

const END_TAG = EVENT_TAGS.END;

function chunkError(name: string, at: number, message: string): RrvmError {
  return new RrvmError('log.chunk', `${name}: chunk at offset ${at}: ${message}`);
}
