import { performance } from 'node:perf_hooks';

/** The host's wall-clock time in integral ns since the Unix epoch (a double; see HostPorts.clock). */
export function hostClockNs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}
