/** Public API of codecs/: event encoding and the `.rrlog` container (docs/log-format.md). */
export { crc32 } from './crc32.js';
export {
  CLOCK_IDS,
  decodeEvent,
  encodeEvent,
  EVENT_TAGS,
  newEventCodecState,
  resetEventCodecState,
} from './event-codec.js';
export type { EncodedEvent, EventCodecState } from './event-codec.js';
export { decodeLogFooter, encodeLogFooter, readTrailer } from './log-footer.js';
export type { ChunkIndexEntry, LogFooter, SnapshotIndexEntry } from './log-footer.js';
export { decodeLogHeader, encodeLogHeader } from './log-header.js';
export type { LogCompression, LogCut, LogDevice, LogDisk, LogEmbedded, LogHeader } from './log-header.js';
export { writePackedLog } from './log-pack.js';
export type { PackBlob } from './log-pack.js';
export { LOG_FORMAT_VERSION, MAX_CHUNK_BYTES, MAX_EVENT_BYTES } from './log-layout.js';
export { LogReader } from './log-reader.js';
export { fileLogSource, memoryLogSource } from './log-source.js';
export type { LogSource } from './log-source.js';
export type { LogChunk, LogTruncation } from './log-reader.js';
export { LogWriter } from './log-writer.js';
export { decodeSnapshot, encodeSnapshot, SNAPSHOT_FORMAT_VERSION } from './snapshot-codec.js';
export type { SnapshotBlock, SnapshotIdentity, SnapshotIo, SnapshotRecord } from './snapshot-codec.js';
export type { LogWriterOptions } from './log-writer.js';
