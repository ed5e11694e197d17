import { RrvmError } from '../src/core/rrvm-error.js';
import { crc32 } from './crc32.js';
import { HEADER_PREFIX_BYTES, hex32, LOG_FORMAT_VERSION, LOG_MAGIC, MAX_MAP_BYTES, OLDEST_LOG_FORMAT_VERSION } from './log-layout.js';
import { readBytes } from './log-source.js';
import type { LogSource } from './log-source.js';
import { packValue, unpackValue } from './msgpack.js';

/** How chunk payloads are stored. */
export type LogCompression = 'none' | 'deflate';

/** A disk attached to the recorded machine; replay must start from the same base image. */
export interface LogDisk {
  /** Drive id as given on the command line. */
  id: string;
  /** SHA-256 of the base image, lowercase hex. */
  baseSha256: string;
  /** Size of the base image. */
  bytes: number;
  /** Absolute path of the base image when recorded (replay looks there unless `--drive` says otherwise). */
  path: string;
  /** The GET_ID string the drive answered (QEMU's `serial=`). */
  serial: string;
  /** The overlay file the recording started from, its size then and SHA-256 (null: in memory). */
  overlay: { path: string; bytes: number; sha256: string } | null;
}

/** A device of the recorded machine: its kind plus whatever options replay needs to rebuild it. */
export interface LogDevice {
  kind: string;
  [option: string]: string | number | boolean;
}

/** A file embedded in a packed log (the guest ELF, a disk's base image), stored after the header. */
export interface LogEmbedded {
  /** SHA-256 of the bytes, lowercase hex: the ELF or disk it stands for has the same hash in the header. */
  sha256: string;
  bytes: number;
}

/** Everything replay needs to rebuild the recorded machine, plus provenance. */
export interface LogHeader {
  /** rrvm package version that wrote the log. */
  rrvmVersion: string;
  /** When recording started, ISO 8601. */
  createdAt: string;
  compression: LogCompression;
  /** Instructions between CHECKPOINT events (0 = none). */
  checkpointEvery: number;
  ramBytes: number;
  /** virtual_ns = (icount << icountShift) + bias. */
  icountShift: number;
  /** SHA-256 of the guest ELF, lowercase hex. */
  elfSha256: string;
  /** Absolute path of the guest ELF when recorded: where replay looks for it unless told `--elf`. */
  elfPath: string;
  disks: LogDisk[];
  devices: LogDevice[];
  /** The `--chaos-io` seed the recording ran with, if any. */
  chaosSeed?: number;
  /** Files embedded by `rrvm pack`, stored in this order right after the header (format 3). */
  embedded?: LogEmbedded[];
  /** Set in a log written by `rrvm cut` (format 4): it starts from the snapshot its first event holds. */
  cut?: LogCut;
}

/** Where a cut log (`rrvm cut`) came from: its first event is a SNAPSHOT of the source's state at `fromIcount`. */
export interface LogCut {
  fromIcount: number;
  /** The source log's createdAt (this log's createdAt is when it was cut). */
  sourceCreatedAt: string;
  /** The source log's END icount. */
  sourceEndIcount: number;
}

/**
 * Header bytes: magic `RRVM`, u16 format version, u32 map length, the header as a MessagePack
 * map, u32 CRC-32 of everything before it. Throws RrvmError `log.write` for an invalid header.
 */
export function encodeLogHeader(header: LogHeader): Uint8Array {
  const checked = checkLogHeader(header);
  if (typeof checked === 'string') throw new RrvmError('log.write', `invalid log header: ${checked}`);
  const map = packValue(checked);
  const out = new Uint8Array(HEADER_PREFIX_BYTES + map.length + 4);
  const view = new DataView(out.buffer);
  out.set(LOG_MAGIC, 0);
  view.setUint16(4, LOG_FORMAT_VERSION, true);
  view.setUint32(6, map.length, true);
  out.set(map, HEADER_PREFIX_BYTES);
  view.setUint32(HEADER_PREFIX_BYTES + map.length, crc32(out.subarray(0, HEADER_PREFIX_BYTES + map.length)), true);
  return out;
}

/**
 * Parses the header at the start of `source` (`name` labels errors), reading no more than the
 * header. Returns it and the offset of the first byte after it. Throws RrvmError `log.magic`,
 * `log.version` or `log.header`.
 */
export function decodeLogHeader(source: LogSource, name: string): { header: LogHeader; end: number } {
  const size = source.size;
  const prefix = readBytes(source, 0, Math.min(size, HEADER_PREFIX_BYTES));
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (size < LOG_MAGIC.length || LOG_MAGIC.some((b, i) => prefix[i] !== b)) {
    const found = Array.from(prefix.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new RrvmError('log.magic', `${name}: not an rrvm log (offset 0: expected magic "RRVM", found [${found}])`);
  }
  if (size < 6) throw headerError(name, `header truncated at offset 4 (file is ${size} bytes)`);
  const version = view.getUint16(4, true);
  if (version < OLDEST_LOG_FORMAT_VERSION || version > LOG_FORMAT_VERSION) {
    throw new RrvmError(
      'log.version',
      `${name}: unsupported log format version ${version} (offset 4), this rrvm reads version ${LOG_FORMAT_VERSION} (and ${OLDEST_LOG_FORMAT_VERSION}–${LOG_FORMAT_VERSION - 1})`,
    );
  }
  if (size < HEADER_PREFIX_BYTES) throw headerError(name, `header truncated at offset 6 (file is ${size} bytes)`);
  const mapBytes = view.getUint32(6, true);
  const end = HEADER_PREFIX_BYTES + mapBytes + 4;
  if (mapBytes > MAX_MAP_BYTES || end > size) {
    throw headerError(name, `header length ${mapBytes} at offset 6 runs past the end of the file (${size} bytes)`);
  }
  const file = readBytes(source, 0, end);
  const stored = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(end - 4, true);
  const actual = crc32(file.subarray(0, end - 4));
  if (stored !== actual) {
    throw headerError(name, `header CRC-32 mismatch at offset ${end - 4} (stored ${hex32(stored)}, computed ${hex32(actual)})`);
  }
  const map = unpackValue(file.subarray(HEADER_PREFIX_BYTES, end - 4), 'log.header', `${name}: header at offset 10`);
  const header = checkLogHeader(map);
  if (typeof header === 'string') throw headerError(name, `header at offset 10: ${header}`);
  // Version 2 had no embedded files: its chunks start right after the header whatever it says.
  if (version < 3) delete header.embedded;
  // Before version 4 no log was cut.
  if (version < 4) delete header.cut;
  return { header, end };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A copy of `value` holding only the LogHeader fields, or a message saying what is wrong. */
function checkLogHeader(value: unknown): LogHeader | string {
  if (!isObject(value)) return 'not a map';
  const { rrvmVersion, createdAt, compression, checkpointEvery, ramBytes, icountShift, elfSha256, elfPath, disks, devices, chaosSeed, embedded, cut } =
    value;
  const embeddedCopies: LogEmbedded[] = [];
  if (embedded !== undefined) {
    if (!Array.isArray(embedded)) return 'embedded is not an array';
    for (const entry of embedded as unknown[]) {
      if (!isObject(entry) || typeof entry.sha256 !== 'string' || !SHA256_HEX.test(entry.sha256) || !isCount(entry.bytes)) return 'bad embedded entry';
      embeddedCopies.push({ sha256: entry.sha256, bytes: entry.bytes });
    }
  }
  if (chaosSeed !== undefined && !isCount(chaosSeed)) return 'chaosSeed is not a count';
  if (cut !== undefined && (!isObject(cut) || !isCount(cut.fromIcount) || typeof cut.sourceCreatedAt !== 'string' || !isCount(cut.sourceEndIcount))) return 'bad cut entry';
  if (typeof rrvmVersion !== 'string') return 'rrvmVersion is not a string';
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return 'createdAt is not an ISO date';
  if (compression !== 'none' && compression !== 'deflate') return `unknown compression ${String(compression)}`;
  if (!isCount(checkpointEvery)) return 'checkpointEvery is not a non-negative integer';
  if (!isCount(ramBytes)) return 'ramBytes is not a non-negative integer';
  if (!isCount(icountShift) || icountShift > 30) return 'icountShift is not an integer in 0..30';
  if (typeof elfSha256 !== 'string' || !SHA256_HEX.test(elfSha256)) return 'elfSha256 is not 64 lowercase hex digits';
  if (typeof elfPath !== 'string') return 'elfPath is not a string';
  if (!Array.isArray(disks)) return 'disks is not an array';
  const diskCopies: LogDisk[] = [];
  for (const disk of disks as unknown[]) {
    if (!isObject(disk) || typeof disk.id !== 'string' || typeof disk.baseSha256 !== 'string') return 'bad disk entry';
    if (!SHA256_HEX.test(disk.baseSha256) || !isCount(disk.bytes)) return `bad disk entry ${disk.id}`;
    if (typeof disk.path !== 'string' || typeof disk.serial !== 'string') return `bad disk entry ${disk.id}`;
    const overlay = disk.overlay;
    if (overlay !== null && (!isObject(overlay) || typeof overlay.path !== 'string' || !isCount(overlay.bytes) || typeof overlay.sha256 !== 'string' || !SHA256_HEX.test(overlay.sha256))) {
      return `bad overlay of disk entry ${disk.id}`;
    }
    diskCopies.push({
      id: disk.id,
      baseSha256: disk.baseSha256,
      bytes: disk.bytes,
      path: disk.path,
      serial: disk.serial,
      overlay: overlay === null ? null : { path: overlay.path as string, bytes: overlay.bytes as number, sha256: overlay.sha256 as string },
    });
  }
  if (!Array.isArray(devices)) return 'devices is not an array';
  const deviceCopies: LogDevice[] = [];
  for (const device of devices as unknown[]) {
    if (!isObject(device) || typeof device.kind !== 'string') return 'bad device entry';
    const copy: LogDevice = { kind: device.kind };
    for (const [key, option] of Object.entries(device)) {
      if (typeof option !== 'string' && typeof option !== 'boolean' && typeof option !== 'number') {
        return `device ${device.kind}: option ${key} is not a string, number or boolean`;
      }
      copy[key] = option;
    }
    deviceCopies.push(copy);
  }
  return {
    rrvmVersion,
    createdAt,
    compression,
    checkpointEvery,
    ramBytes,
    icountShift,
    elfSha256,
    elfPath,
    disks: diskCopies,
    devices: deviceCopies,
    ...(chaosSeed === undefined ? {} : { chaosSeed }),
    ...(embedded === undefined ? {} : { embedded: embeddedCopies }),
    ...(cut === undefined ? {} : { cut: { fromIcount: cut.fromIcount as number, sourceCreatedAt: cut.sourceCreatedAt as string, sourceEndIcount: cut.sourceEndIcount as number } }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function headerError(name: string, message: string): RrvmError {
  return new RrvmError('log.header', `${name}: ${message}`);
}
