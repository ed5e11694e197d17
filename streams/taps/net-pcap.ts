import { merge, type Subscription } from 'rxjs';
import { RrvmError } from '../../src/core/rrvm-error.js';
import { openByteFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `net-pcap` tap. */
export const NET_PCAP_FILE = 'net.pcap';
/** pcap magic for nanosecond timestamps (libpcap's "nsec" format; tcpdump and Wireshark read it). */
const PCAP_MAGIC_NS = 0xa1b2_3c4d;
/** LINKTYPE_ETHERNET. */
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65_535;
const RECORD_HEADER_BYTES = 16;

/**
 * Built-in tap `net-pcap[=FILE][,shift=N]`: every network frame the guest received (NET_RX
 * events) and sent (`netTx$`) as a pcap capture (LINKTYPE_ETHERNET, nanosecond timestamps),
 * in the order the guest saw them. A frame's timestamp is the guest's virtual time,
 * (icount << shift) + the idle time skipped so far (WARP events), so a recording and its
 * replay write the same file. `shift` is the icount shift (`--net-pcap` passes it; default 3).
 * Frames are written as the streams carry them: each once, whatever a debugger re-executes.
 */
export function netPcap(session: TapSession): Subscription {
  const path = session.options['file'] ?? NET_PCAP_FILE;
  const shift = Number(session.options['shift'] ?? '3');
  if (!Number.isInteger(shift) || shift < 0 || shift > 10) throw new RrvmError('tap.load', `tap net-pcap: shift must be an integer 0-10, got '${session.options['shift']}'`);
  const file = openByteFile(path, 'net-pcap');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(PCAP_MAGIC_NS, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(SNAPLEN, 16);
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  file.write(header);
  let warpNs = 0;
  const frame = (icount: number, bytes: Uint8Array): void => {
    const ns = BigInt(icount) * (1n << BigInt(shift)) + BigInt(warpNs);
    const kept = bytes.subarray(0, SNAPLEN);
    const record = Buffer.alloc(RECORD_HEADER_BYTES);
    record.writeUInt32LE(Number(ns / 1_000_000_000n), 0);
    record.writeUInt32LE(Number(ns % 1_000_000_000n), 4);
    record.writeUInt32LE(kept.length, 8);
    record.writeUInt32LE(bytes.length, 12);
    file.write(record);
    file.write(kept);
  };
  const close = (): void => file.close();
  const subscription = merge(session.events$, session.netTx$).subscribe({
    next: (item) => {
      if (!('kind' in item)) frame(item.icount, item.frame);
      else if (item.kind === 'NET_RX') frame(item.icount, item.frame);
      else if (item.kind === 'WARP') warpNs += item.ns;
    },
    error: close,
    complete: close,
  });
  subscription.add(close);
  return subscription;
}
