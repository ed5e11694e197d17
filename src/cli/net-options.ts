import { InvalidArgumentError, Option, type Command } from 'commander';
import type { LoadedTap } from '../../streams/taps/load-tap.js';
import { netPcap } from '../../streams/taps/net-pcap.js';
import { RrvmError } from '../core/rrvm-error.js';
import { MAC_PATTERN } from '../machine/devices/virtio/virtio-net.js';
import type { VirtioSpec } from '../machine/machine.js';

/** `--net udp:[LOCALHOST:]LOCALPORT:REMOTEHOST:REMOTEPORT`: frames as UDP datagrams (QEMU `-netdev dgram`). */
export interface UdpNetSpec {
  /** Address the backend binds (127.0.0.1 unless given). */
  localHost: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
}

/** The options of `run` and `record` that attach a network device. */
export interface NetOptions {
  net?: UdpNetSpec;
  mac?: string;
}

/** The MAC address a virtio-net device gets without `--mac` (QEMU's first default MAC). */
export const DEFAULT_MAC = '52:54:00:12:34:56';
/** Where the backend listens unless the spec names a host: this machine only. */
const DEFAULT_LOCAL_HOST = '127.0.0.1';
const NET_FORM = 'udp:LOCALPORT:REMOTEHOST:REMOTEPORT (or udp:LOCALHOST:LOCALPORT:REMOTEHOST:REMOTEPORT)';

/** Parses a `--net` value; a malformed one is commander's one-line invalid-argument error. */
export function parseNetSpec(text: string): UdpNetSpec {
  const parts = text.split(':');
  const bad = (why: string): never => {
    throw new InvalidArgumentError(`${why}; expected ${NET_FORM}`);
  };
  if (parts[0] !== 'udp') bad(`unknown backend '${parts[0]}' (only udp)`);
  if (parts.length !== 4 && parts.length !== 5) bad(`'${text}' has ${parts.length - 1} fields after udp:`);
  const [localHost, localPort, remoteHost, remotePort] = parts.length === 5 ? parts.slice(1) : [DEFAULT_LOCAL_HOST, ...parts.slice(1)];
  const port = (value: string, what: string): number => {
    const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    return n >= 1 && n <= 65535 ? n : bad(`${what} '${value}' is not a port number 1-65535`);
  };
  if (localHost === '' || remoteHost === '') bad('a host name is empty');
  return { localHost: localHost!, localPort: port(localPort!, 'local port'), remoteHost: remoteHost!, remotePort: port(remotePort!, 'remote port') };
}

/** Parses a `--mac` value (six hex pairs separated by colons). */
export function parseMac(text: string): string {
  if (!MAC_PATTERN.test(text)) throw new InvalidArgumentError(`expected six hex pairs like ${DEFAULT_MAC}`);
  if (parseInt(text.slice(0, 2), 16) & 1) throw new InvalidArgumentError(`${text} is a multicast address (the first byte must be even)`);
  return text.toLowerCase();
}

/** The virtio-net device the options ask for (none without `--net`); `--mac` alone is a usage error. */
export function netDevicesOf(options: NetOptions): VirtioSpec[] {
  if (options.net === undefined) {
    if (options.mac !== undefined) throw new RrvmError('cli.usage', '--mac needs --net');
    return [];
  }
  return [{ kind: 'virtio-net', netdev: 0, mac: options.mac ?? DEFAULT_MAC }];
}

/** Adds `--net` and `--mac` (run, record). */
export function addNetOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--net <spec>',
        `attach a virtio-net device whose frames travel as UDP datagrams, one per frame (QEMU -netdev dgram): ${NET_FORM}; listens on 127.0.0.1 unless LOCALHOST is given; received frames are recorded as NET_RX events`,
      ).argParser(parseNetSpec),
    )
    .addOption(new Option('--mac <address>', `MAC address of the --net device (default ${DEFAULT_MAC})`).argParser(parseMac));
}

/** Adds `--net-pcap FILE` (run, record, replay). */
export function addNetPcapOption(cmd: Command): Command {
  return cmd.option('--net-pcap <file>', 'write every network frame received and sent to FILE as a pcap capture (tcpdump -r, Wireshark); timestamps are the guest\'s virtual time');
}

/** The tap `--net-pcap FILE` attaches (none without it); `icountShift` dates the frames. */
export function netPcapTap(file: string | undefined, icountShift: number): LoadedTap[] {
  if (file === undefined) return [];
  if (file === '') throw new RrvmError('cli.usage', '--net-pcap needs a file name');
  return [{ name: 'net-pcap', tap: netPcap, options: { file, shift: String(icountShift) } }];
}
