import { readFileSync } from 'node:fs';
import { EVENT_KINDS } from '../src/core/event.js';
import type { Icount, RrEvent } from '../src/core/event.js';
import { decodeChunkFast } from './fast-chunk-decoder.js';
import { RrvmError } from '../src/core/rrvm-error.js';
import { crc32 } from './crc32.js';
import { decodeEvent, newEventCodecState, resetEventCodecState } from './event-codec.js';
import type { EventCodecState } from './event-codec.js';
import { inflateChunk, unpackChunk } from './log-chunk.js';
import { decodeLogFooter, readTrailer, zeroPerKind } from './log-footer.js';
import type { LogFooter } from './log-footer.js';
import { decodeLogHeader } from './log-header.js';
import type { LogHeader } from './log-header.js';
import { CHUNK_FRAME_BYTES, FOOTER_MARKER, hex32, MAX_CHUNK_BYTES } from './log-layout.js';

/** A complete, CRC-checked chunk of the log. */
export interface LogChunk {
  /** File offset of the chunk frame (its length field). */
  offset: number;
  /** The stored payload (deflated if the header says so). */
  payload: Uint8Array;
}

/**
 * Where a log without footer stops: `offset` is the first byte that is not part of a complete
 * chunk (a torn chunk or footer starts there, or the file ends there), `icount` the icount of
 * the last complete event (0 if none).
 */
export interface LogTruncation {
  offset: number;
  icount: Icount;
}

/**
 * Reads an `.rrlog` held in memory. Opening checks the header, the framing and CRC of every
 * chunk, and the footer; events are decoded lazily, chunk by chunk. A log cut short (recorder
 * killed) opens without error: `footer` is null and `truncatedAt` says where its complete
 * chunks end. Every failure is an RrvmError with a `log.*` code naming the byte offset.
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
  /** The seq of each chunk's first event, once asked for. */
  private firstSeqs: number[] | null = null;

  private constructor(
    /** Label used in error messages (the path). */
    readonly name: string,
    file: Uint8Array,
  ) {
    const { header, end: firstChunk } = decodeLogHeader(file, name);
    this.header = header;
    const footerOffset = readTrailer(file, firstChunk, name);
    // With a trailer the file claims to be complete: anything short of it is corruption, not a cut.
    const complete = footerOffset !== null;
    const limit = footerOffset ?? file.length;
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const chunks: LogChunk[] = [];
    let footer: LogFooter | null = null;
    let cutAt = -1;
    let pos = firstChunk;
    const chunkError = (at: number, message: string): RrvmError =>
      new RrvmError('log.chunk', `${name}: chunk at offset ${at}: ${message}`);
    // Every pass consumes at least CHUNK_FRAME_BYTES + 1 bytes or ends the loop.
    for (;;) {
      if (pos === limit) {
        if (!complete) cutAt = pos;
        else {
          const parsed = decodeLogFooter(file, pos, true, name);
          if ('footer' in parsed) footer = parsed.footer;
        }
        break;
      }
      if (limit - pos >= 4 && view.getUint32(pos, true) === FOOTER_MARKER) {
        if (complete) {
          throw new RrvmError('log.footer', `${name}: footer marker at offset ${pos}, but the trailer names ${limit}`);
        }
        // No trailer at the end: this footer can only be torn (or corrupt, which decode reports).
        decodeLogFooter(file, pos, false, name);
        cutAt = pos;
        break;
      }
      if (limit - pos < CHUNK_FRAME_BYTES) {
        if (complete) throw chunkError(pos, `frame runs past the footer at offset ${limit}`);
        cutAt = pos;
        break;
      }
      const length = view.getUint32(pos, true);
      if (!complete && length === 0 && file.subarray(pos).every((b) => b === 0)) {
        // A crash can leave the file extended with zeros the data never reached.
        cutAt = pos;
        break;
      }
      if (length === 0 || length > MAX_CHUNK_BYTES) {
        throw chunkError(pos, `declared length ${length} is outside 1..${MAX_CHUNK_BYTES}`);
      }
      const payloadAt = pos + CHUNK_FRAME_BYTES;
      if (length > limit - payloadAt) {
        if (complete) throw chunkError(pos, `declared length ${length} runs past the footer at offset ${limit}`);
        cutAt = pos;
        break;
      }
      const payload = file.subarray(payloadAt, payloadAt + length);
      const stored = view.getUint32(pos + 4, true);
      const actual = crc32(payload);
      if (stored !== actual) {
        // Without a trailer, a bad last frame that ends exactly at the end of the file is a torn write.
        if (!complete && payloadAt + length === file.length) {
          cutAt = pos;
          break;
        }
        throw new RrvmError(
          'log.crc',
          `${name}: chunk at offset ${pos}: CRC-32 mismatch (stored ${hex32(stored)}, computed ${hex32(actual)})`,
        );
      }
      chunks.push({ offset: pos, payload });
      pos = payloadAt + length;
    }
    this.chunks = chunks;
    this.footer = footer;
    if (footer !== null) {
      const index = footer.index;
      if (index.length !== chunks.length || index.some((entry, i) => entry.offset !== chunks[i]!.offset)) {
        throw new RrvmError('log.footer', `${name}: footer index does not list the ${chunks.length} chunks of the file`);
      }
      this.truncatedAt = null;
    } else {
      this.truncatedAt = { offset: cutAt, icount: this.lastIcount() };
    }
  }

  /** Reads and opens the log at `path`. Throws RrvmError `log.open` when it cannot be read. */
  static open(path: string): LogReader {
    let file: Uint8Array;
    try {
      file = readFileSync(path);
    } catch (error) {
      throw new RrvmError('log.open', `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new LogReader(path, file);
  }

  /** Opens a log already in memory; `name` labels error messages. */
  static fromBytes(file: Uint8Array, name = '<log>'): LogReader {
    return new LogReader(name, file);
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
        `${this.name}: log ends without END at icount ${cut.icount} (complete chunks end at offset ${cut.offset})`,
      );
    }
  }

  /**
   * The events in stream order with icount and seq restored (seq = 0, 1, 2, … from the first
   * event of the log), starting with the first event at or after `fromIcount`; with a footer
   * the index lets it skip the chunks before. Throws RrvmError `log.chunk` / `log.footer`
   * during iteration at the first chunk that does not decode or disagrees with the footer.
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
    const footer = this.footer;
    let first = 0;
    if (footer !== null && fromIcount > 0) {
      // Events at one icount may straddle chunks: start in the last chunk that begins strictly before.
      while (first + 1 < footer.index.length && footer.index[first + 1]!.firstIcount < fromIcount) first++;
    }
    yield* this.chunksFrom(first);
  }

  /**
   * The events from sequence number `seq` on, a chunk at a time, with the checks of
   * `eventChunks`: where a replay restored from a snapshot goes on. The first chunk may hold
   * events before `seq`.
   */
  *eventChunksFromSeq(seq: number): Generator<RrEvent[], void, undefined> {
    const firstSeqs = this.chunkFirstSeqs();
    let first = 0;
    while (first + 1 < firstSeqs.length && firstSeqs[first + 1]! <= seq) first++;
    yield* this.chunksFrom(first);
  }

  /** The seq of each chunk's first event: from the footer's index, or (a cut log) by decoding every chunk once. */
  private chunkFirstSeqs(): number[] {
    if (this.firstSeqs !== null) return this.firstSeqs;
    if (this.footer !== null) this.firstSeqs = this.footer.index.map((entry) => entry.firstSeq);
    else {
      const state = newEventCodecState(0);
      this.firstSeqs = this.chunks.map((_, i) => this.decodeChunkAt(i, state)[0]!.seq);
    }
    return this.firstSeqs;
  }

  private *chunksFrom(first: number): Generator<RrEvent[], void, undefined> {
    const footer = this.footer;
    const state = newEventCodecState(footer !== null ? (footer.index[first]?.firstSeq ?? 0) : (this.firstSeqs?.[first] ?? 0));
    const counts = zeroPerKind();
    let ended = false;
    let lastIcount = -1;
    for (let i = first; i < this.chunks.length; i++) {
      const events = this.decodeChunkAt(i, state);
      const head = events[0]!;
      if (head.icount < lastIcount) {
        throw new RrvmError(
          'log.chunk',
          `${this.name}: chunk at offset ${this.chunks[i]!.offset} starts at icount ${head.icount}, before ${lastIcount}`,
        );
      }
      const entry = footer?.index[i];
      if (entry !== undefined && (entry.firstIcount !== head.icount || entry.firstSeq !== head.seq)) {
        throw new RrvmError('log.footer', `${this.name}: footer index entry ${i} disagrees with chunk at offset ${entry.offset}`);
      }
      for (const e of events) {
        if (ended) {
          throw new RrvmError('log.chunk', `${this.name}: chunk at offset ${this.chunks[i]!.offset}: event after END`);
        }
        ended = e.kind === 'END';
        counts[e.kind]++;
        lastIcount = e.icount;
      }
      yield events;
    }
    if (footer === null) return;
    const whole = first === 0;
    if (!ended || lastIcount !== footer.endIcount || (whole && state.seq !== footer.eventCount)) {
      throw new RrvmError('log.footer', `${this.name}: footer says END at icount ${footer.endIcount}, the chunks disagree`);
    }
    if (whole && EVENT_KINDS.some((kind) => counts[kind] !== footer.counts[kind])) {
      throw new RrvmError('log.footer', `${this.name}: footer event counts disagree with the chunks`);
    }
  }

  /** Decodes chunk `i` in full, so that a bad chunk fails before any of its events is yielded. */
  private decodeChunkAt(i: number, state: EventCodecState): RrEvent[] {
    const chunk = this.chunks[i]!;
    const where = `${this.name}: chunk at offset ${chunk.offset}`;
    resetEventCodecState(state);
    const bytes = inflateChunk(chunk.payload, this.header.compression, where);
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

  /** icount of the last event of the last complete chunk (0 without chunks). */
  private lastIcount(): Icount {
    if (this.chunks.length === 0) return 0;
    const state = newEventCodecState();
    const events = this.decodeChunkAt(this.chunks.length - 1, state);
    return events[events.length - 1]!.icount;
  }
}
