import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Subject } from 'rxjs';
import { LogWriter, type LogCompression } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import { headerDevices, PULL_FAMILIES } from '../engine/families/registry.js';
import { liveSession, type LiveSession } from '../engine/live-session.js';
import type { SessionResult } from '../engine/session.js';
import { describeStop } from './exit-status.js';
import { hostSerial, type SerialInputOptions } from './host-serial.js';
import { checkLogTarget } from './check-log-target.js';
import { loadGuest } from './load-guest.js';
import { machineConfigOf, type MachineOptions } from './machine-options.js';
import { parseDrives } from './drive-options.js';
import { openLiveDrives } from './open-drives.js';
import { RRVM_VERSION } from './version.js';
import { printStats, reportStop } from './report.js';
import { writeOut } from './stdout.js';
import { loadTaps } from './tap-options.js';

/** Options of `run` and `record`. */
export interface LiveOptions extends MachineOptions, SerialInputOptions {
  tap: string[];
  /** `--drive` values as given. */
  drive: string[];
}

/** Where and how `record` writes its log. */
export interface RecordTarget {
  path: string;
  compression: LogCompression;
  checkpointEvery: number;
  /** `--chaos-io` seed, if given. */
  chaosSeed?: number;
}

/**
 * Runs a guest live (`run`), or live with every input recorded into a log (`record`): console
 * on stdout, serial input from stdin, a file or a script, taps attached. Returns the exit status.
 */
export async function liveRun(elfPath: string, options: LiveOptions, record: RecordTarget | null): Promise<number> {
  const { bytes, image } = loadGuest(elfPath, options.memory);
  const driveOptions = parseDrives(options.drive);
  if (record !== null) checkLogTarget(record.path, elfPath);
  const taps = await loadTaps(options.tap);
  // Drives and serial input first: a missing image, --serial-in file or a bad script fails before any file is written.
  const opened = openLiveDrives(driveOptions);
  const config = machineConfigOf(options, opened.virtio);
  let live: LiveSession | undefined;
  let serial: ReturnType<typeof hostSerial>;
  try {
    serial = hostSerial(options, (reason) => live?.mode.requestShutdown(reason));
  } catch (err) {
    opened.close();
    throw err;
  }
  const onSigint = (): void => live?.mode.requestShutdown('interrupted (SIGINT)');
  const events = new EventStream();
  const console$ = new Subject<{ icount: number; bytes: Uint8Array }>();
  let result: SessionResult;
  try {
    const writer =
      record === null
        ? null
        : LogWriter.open(record.path, {
            rrvmVersion: RRVM_VERSION,
            createdAt: new Date().toISOString(),
            compression: record.compression,
            checkpointEvery: record.checkpointEvery,
            ramBytes: options.memory,
            icountShift: options.icountShift,
            elfSha256: createHash('sha256').update(bytes).digest('hex'),
            elfPath: resolve(elfPath),
            disks: opened.disks,
            devices: headerDevices(config),
            ...(record.chaosSeed === undefined ? {} : { chaosSeed: record.chaosSeed }),
          }, { pullKinds: PULL_FAMILIES.map((family) => family.kind) });
    const attached = attachTaps(taps, { mode: record === null ? 'run' : 'record', events$: events.events$, console$ });
    live = liveSession({
      image,
      config,
      maxInsns: options.maxInsns ?? Infinity,
      input: serial.queue,
      drives: opened.drives,
      ...(record?.chaosSeed === undefined ? {} : { chaosSeed: record.chaosSeed }),
      interactive: serial.interactive,
      idle: options.idle,
      record: writer === null || record === null ? null : { writer, checkpointEvery: record.checkpointEvery },
      events,
      onConsole: (out, icount) => {
        writeOut(out);
        console$.next({ icount, bytes: out });
      },
    });
    process.on('SIGINT', onSigint);
    try {
      ({ result } = await live.run());
    } finally {
      console$.complete();
    }
    await attached.finish();
  } finally {
    opened.close();
    serial.detach();
    process.off('SIGINT', onSigint);
  }
  const failure = serial.failure();
  if (failure !== null) process.stderr.write(`rrvm: serial input failed: ${failure.message}\n`);
  if (options.stats) printStats(result);
  return reportStop(describeStop(result.stop, result.icount));
}
