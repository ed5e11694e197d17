import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Subject } from 'rxjs';
import { LogWriter, type LogCompression } from '../../codecs/index.js';
import { EventStream } from '../../streams/event-stream.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import { ExecStreams } from '../../streams/exec-streams.js';
import { headerDevices, PULL_FAMILIES } from '../engine/families/registry.js';
import { liveSession, type LiveSession } from '../engine/live-session.js';
import type { SessionResult } from '../engine/session.js';
import { describeStop } from './exit-status.js';
import { hostSerial, type SerialInputOptions } from './host-serial.js';
import { checkLogTarget } from './check-log-target.js';
import { loadGuest } from './load-guest.js';
import { machineConfigOf, type MachineOptions } from './machine-options.js';
import { parseDrives } from './drive-options.js';
import { inputDeviceSpecs, type InputDeviceOptions } from './input-devices.js';
import { hostAudioOf, writeAudioOut, type AudioOptions } from './audio-options.js';
import { openLiveDrives } from './open-drives.js';
import { RRVM_VERSION } from './version.js';
import { printStats, reportStop } from './report.js';
import { writeOut } from './stdout.js';
import { loadTaps } from './tap-options.js';
import { netDevicesOf, netPcapTap, type NetOptions } from './net-options.js';
import { openHostNet, type HostNet } from './open-net.js';
import type { NetTxFrame } from '../../streams/taps/tap.js';

/** Options of `run` and `record`. */
export interface LiveOptions extends MachineOptions, SerialInputOptions, NetOptions, InputDeviceOptions, AudioOptions {
  tap: string[];
  /** `--drive` values as given. */
  drive: string[];
  /** `--net-pcap FILE`. */
  netPcap?: string;
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
  const netDevices = netDevicesOf(options);
  const taps = [...(await loadTaps(options.tap)), ...netPcapTap(options.netPcap, options.icountShift)];
  // Before any file is written: a bad --audio-in fails here.
  const audio = hostAudioOf(options);
  // Drives, network and serial input first: a missing image, a busy port, a --serial-in file or a bad script fails before any file is written.
  const opened = openLiveDrives(driveOptions);
  let live: LiveSession | undefined;
  let serial: ReturnType<typeof hostSerial>;
  let net: HostNet | null = null;
  try {
    net = options.net === undefined ? null : await openHostNet(options.net);
    serial = hostSerial(options, (reason) => live?.mode.requestShutdown(reason), net === null ? [] : [net.input$]);
  } catch (err) {
    opened.close();
    await net?.close();
    throw err;
  }
  const sound = audio === undefined ? [] : [{ kind: 'virtio-sound' } as const];
  const config = machineConfigOf(options, opened.virtio, [...netDevices, ...inputDeviceSpecs(options, serial.scriptDevices), ...sound]);
  const onSigint = (): void => live?.mode.requestShutdown('interrupted (SIGINT)');
  const events = new EventStream();
  const console$ = new Subject<{ icount: number; bytes: Uint8Array }>();
  const netTx$ = new Subject<NetTxFrame>();
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
    const exec = new ExecStreams();
    const attached = attachTaps(taps, { mode: record === null ? 'run' : 'record', events$: events.events$, console$, netTx$, exec, elf: bytes });
    live = liveSession({
      image,
      exec,
      config,
      maxInsns: options.maxInsns ?? Infinity,
      input: serial.queue,
      drives: opened.drives,
      ...(audio === undefined ? {} : { audio }),
      ...(record?.chaosSeed === undefined ? {} : { chaosSeed: record.chaosSeed }),
      // A network peer may answer any moment: keep input latency low, as on a terminal.
      interactive: serial.interactive || net !== null,
      idle: options.idle,
      record: writer === null || record === null ? null : { writer, checkpointEvery: record.checkpointEvery },
      events,
      onConsole: (out, icount) => {
        writeOut(out);
        console$.next({ icount, bytes: out });
      },
      ...(net === null ? {} : { netSend: net.send }),
      onNetTx: (netdev, frame, icount) => netTx$.next({ icount, netdev, frame }),
    });
    process.on('SIGINT', onSigint);
    try {
      ({ result } = await live.run());
    } finally {
      console$.complete();
      netTx$.complete();
    }
    await attached.finish();
    writeAudioOut(options.audioOut, audio?.wav);
  } finally {
    opened.close();
    serial.detach();
    await net?.close();
    process.off('SIGINT', onSigint);
  }
  const failure = serial.failure();
  if (failure !== null) process.stderr.write(`rrvm: host input failed: ${failure.message}\n`);
  if (options.stats) printStats(result);
  return reportStop(describeStop(result.stop, result.icount));
}
