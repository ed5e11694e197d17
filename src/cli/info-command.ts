import { writeOut } from './stdout.js';
import type { Command } from 'commander';
import { EVENT_KINDS } from '../core/event.js';
import { LogReader } from '../../codecs/index.js';

/** `rrvm info run.rrlog`: header, duration, counts and bytes per event kind. */
export function infoCommand(program: Command): void {
  program
    .command('info')
    .summary('show a log\'s header, length and event counts')
    .description('Prints what a log holds: the recorded machine, the guest ELF, how many instructions the run lasted, the snapshots it stores, and the number and size of its events per kind. A log written by `rrvm cut` says where it starts. A log cut short (recorder killed) is reported as such, with what its complete chunks hold.')
    .argument('<log>', 'the .rrlog')
    .option('--json', 'print as JSON')
    .action((logPath: string, opts: { json?: boolean }) => {
      const reader = LogReader.open(logPath);
      const fileBytes = reader.fileBytes;
      const counts: Record<string, number> = {};
      let endIcount: number;
      let bytes: Record<string, number> | null = null;
      if (reader.footer !== null) {
        endIcount = reader.footer.endIcount;
        for (const kind of EVENT_KINDS) if (reader.footer.counts[kind] > 0) counts[kind] = reader.footer.counts[kind];
        bytes = {};
        for (const kind of EVENT_KINDS) if (reader.footer.counts[kind] > 0) bytes[kind] = reader.footer.bytes[kind];
      } else {
        endIcount = reader.truncatedAt?.icount ?? 0;
        for (const e of reader.events()) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
      }
      const info = {
        file: logPath,
        fileBytes,
        complete: reader.footer !== null,
        packed: reader.packed,
        ...(reader.truncatedAt === null ? {} : { truncatedAt: reader.truncatedAt }),
        header: reader.header,
        ...(reader.header.cut === undefined ? {} : { startIcount: reader.header.cut.fromIcount }),
        snapshots: reader.footer?.snapshots ?? [],
        instructions: endIcount,
        chunks: reader.chunks.length,
        counts,
        bytesPerKind: bytes,
      };
      if (opts.json) {
        writeOut(JSON.stringify(info, null, 2) + '\n');
        return;
      }
      const h = reader.header;
      const lines = [
        `log:          ${logPath} (${fileBytes} bytes, ${reader.chunks.length} chunks${h.compression === 'deflate' ? ', deflated' : ''})`,
        `status:       ${reader.footer !== null ? 'complete' : `cut short: no END; complete chunks end at icount ${endIcount} (offset ${reader.truncatedAt?.offset ?? 0}, followed by ${reader.truncatedAt?.reason ?? ''})`}`,
        `recorded:     ${h.createdAt} by rrvm ${h.rrvmVersion}`,
        `guest:        ${h.elfPath} (sha256 ${h.elfSha256})${reader.packed ? ', packed: the ELF is embedded in the log' : ''}`,
        `machine:      ${h.ramBytes / 1048576} MiB RAM, icount shift ${h.icountShift}, checkpoint every ${h.checkpointEvery} instructions`,
        `devices:      ${h.devices.map((d) => d.kind + (d.kind === 'virtio-blk' ? ` (drive ${String(d.drive)}${d.readOnly === true ? ', read-only' : ''})` : d.kind === 'virtio-input' ? ` (${String(d.device)})` : '')).join(', ')}`,
        ...h.disks.map(
          (d) => `disk ${d.id}:   ${d.path} (${d.bytes} bytes, sha256 ${d.baseSha256})${reader.embedded.has(d.baseSha256) ? ', embedded in the log' : ''}${d.serial !== '' ? `, serial "${d.serial}"` : ''}${d.overlay !== null ? `, started from overlay ${d.overlay.path}` : ''}`,
        ),
        ...(h.cut === undefined
          ? []
          : [`cut:          starts at icount ${h.cut.fromIcount} from the snapshot stored in its first event; cut from a log recorded ${h.cut.sourceCreatedAt} that ends at icount ${h.cut.sourceEndIcount}`]),
        ...(reader.footer === null || reader.footer.snapshots.length === 0
          ? []
          : [`snapshots:    ${reader.footer.snapshots.length} stored, at icount ${reader.footer.snapshots.map((s) => s.icount).join(', ')}`]),
        ...(h.chaosSeed === undefined ? [] : [`chaos-io:     seed ${h.chaosSeed} (disk completions were delayed at random while recording)`]),
        `instructions: ${endIcount}${h.cut === undefined ? '' : ` (this cut replays the ${endIcount - h.cut.fromIcount} after icount ${h.cut.fromIcount})`}`,
        `events:       ${Object.values(counts).reduce((a, b) => a + b, 0)}`,
        ...Object.entries(counts).map(([kind, n]) => `  ${kind.padEnd(12)} ${String(n).padStart(10)}${bytes ? `  ${String(bytes[kind]).padStart(10)} bytes  ${(bytes[kind]! / n).toFixed(1)} B/event` : ''}`),
      ];
      writeOut(lines.join('\n') + '\n');
    });
}
