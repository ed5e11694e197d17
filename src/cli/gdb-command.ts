import { InvalidArgumentError, Option, type Command } from 'commander';
import { ExitStatus } from '../core/rrvm-error.js';
import { TimeTravelSession } from '../engine/time-travel-session.js';
import { listenForGdb } from '../gdb/gdb-server.js';
import { openRecording } from './open-recording.js';
import { addDriveOption, parseDrives } from './drive-options.js';
import { openReplayDrives } from './open-drives.js';
import { parseIntInRange, parseMemorySize } from './parse-options.js';
import { addElfOptions } from './replay-command.js';
import { writeOut } from './stdout.js';
import { addNetPcapOption, netPcapTap } from './net-options.js';
import { Subject } from 'rxjs';
import { EventStream } from '../../streams/event-stream.js';
import { NO_EXEC } from '../../streams/exec-streams.js';
import { attachTaps } from '../../streams/taps/attach-taps.js';
import type { NetTxFrame } from '../../streams/taps/tap.js';

/** Options of `rrvm gdb`. */
interface GdbOptions {
  port: number;
  listen?: { host: string; port: number };
  elf?: string;
  force?: boolean;
  snapshotMem?: number;
  /** `--drive` values: where the recorded disk images are now. */
  drive: string[];
  /** `--net-pcap FILE`: the frames, each once, however often gdb goes back. */
  netPcap?: string;
}

/** The host gdb connects from unless `--listen` says otherwise: this machine only. */
const DEFAULT_HOST = '127.0.0.1';

/** gdb's customary remote port. */
const DEFAULT_PORT = 1234;

const EXAMPLE = `
Example (two terminals):
  $ rrvm record -o demo.rrlog examples/debug-demo/debug-demo.elf
  $ rrvm gdb demo.rrlog
  rrvm: waiting for gdb on 127.0.0.1:1234 (one client); in gdb-multiarch type:
  target remote 127.0.0.1:1234

  $ gdb-multiarch examples/debug-demo/debug-demo.elf
  (gdb) target remote 127.0.0.1:1234
  (gdb) break bump                  # software breakpoint (Z0)
  (gdb) continue
  (gdb) stepi                       # forwards one instruction...
  (gdb) reverse-stepi               # ...and back again
  (gdb) watch *(int*)&counter       # write watchpoint (Z2); rwatch and awatch work too
  (gdb) reverse-continue            # back to the last write: Old value / New value
  (gdb) monitor icount              # instructions executed so far
  (gdb) monitor seek 1000           # jump to icount 1000, then:
  (gdb) maint flush register-cache
  (gdb) monitor help                # icount, seek, info, snapshot
  (gdb) detach                      # rrvm exits 0

Time only moves inside the recording: continue stops at its end ("No more
reverse-execution history", with the reason on gdb's console), reverse-continue at its
start. The guest's console goes to rrvm's stdout, each line once, however often gdb goes
back over it. Writes to registers or memory are refused: the replay would no longer match
the log.
`;

/** `rrvm gdb run.rrlog`: serves a recording to gdb-multiarch, with reverse execution. */
export function gdbCommand(program: Command): void {
  const cmd = program
    .command('gdb')
    .summary('debug a recording with gdb-multiarch, forwards and backwards')
    .description(
      'Replays a recording under the control of gdb (GDB remote serial protocol): breakpoints, watchpoints, stepping, and the same backwards (reverse-stepi, reverse-continue). Listens on 127.0.0.1 only, unless --listen says otherwise, for one gdb client, and prints the `target remote` line to type in gdb. Exits 0 when gdb detaches, kills or disconnects.',
    )
    .argument('<log>', 'the .rrlog written by `rrvm record`')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', parseIntInRange(0, 65535), DEFAULT_PORT)
    .addOption(new Option('--listen <host:port>', 'listen on this address instead, e.g. 0.0.0.0:1234 to accept other machines (anyone who can connect controls the debugger)').argParser(parseListen).conflicts('port'))
    .option('--snapshot-mem <size>', 'memory for automatic snapshots, e.g. 256M (default: 4 × guest RAM; more: faster reverse execution)', parseMemorySize);
  addNetPcapOption(addDriveOption(addElfOptions(cmd)))
    .addHelpText('after', EXAMPLE)
    .action(async (logPath: string, opts: GdbOptions) => {
      const { reader, image } = openRecording(logPath, { elf: opts.elf, force: opts.force });
      const drives = openReplayDrives(reader.header.disks, parseDrives(opts.drive), { path: logPath, files: reader.embedded });
      // The pcap tap sees events and sent frames only past the furthest point reached: each frame once.
      const events = new EventStream();
      const netTx$ = new Subject<NetTxFrame>();
      const pcap = attachTaps(netPcapTap(opts.netPcap, reader.header.icountShift), { mode: 'replay', events$: events.events$, console$: new Subject(), netTx$, exec: NO_EXEC });
      const session = new TimeTravelSession({
        image,
        reader,
        drives,
        events,
        onConsole: (bytes) => writeOut(bytes),
        onNetTx: (netdev, frame, icount) => netTx$.next({ icount, netdev, frame }),
        ...(opts.snapshotMem !== undefined ? { snapshotMemBytes: opts.snapshotMem } : {}),
      });
      const host = opts.listen?.host ?? DEFAULT_HOST;
      const server = await listenForGdb(session, host, opts.listen?.port ?? opts.port);
      const address = `${host.includes(':') ? `[${host}]` : host}:${server.port}`;
      process.stderr.write(`rrvm: waiting for gdb on ${address} (one client); in gdb-multiarch type:\ntarget remote ${address}\n`);
      const how = await server.finished;
      // The capture ends where gdb left (the recording's end only if execution got there).
      pcap.unsubscribe();
      process.stderr.write(`rrvm: gdb ${how === 'detach' ? 'detached' : how === 'kill' ? 'killed the session' : 'disconnected'} at icount ${session.icount}\n`);
      process.exitCode = ExitStatus.OK;
    });
}

/** Parses `--listen HOST:PORT` (an IPv6 host in brackets: `[::1]:1234`). */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new InvalidArgumentError(`expected HOST:PORT like 127.0.0.1:1234 or [::1]:1234, got '${text}'`);
  return { host: m[1] ?? m[2]!, port };
}
