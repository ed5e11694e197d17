import { performance } from 'node:perf_hooks';

// NB: read once: the `timeOrigin` getter costs as much as `now()` itself, on every clock read.
const ORIGIN_MS = performance.timeOrigin;

/** The host's wall-clock time in integral ns since the Unix epoch (a double; see HostPorts.clock). */
export function hostClockNs(): number {
  return Math.round((ORIGIN_MS + performance.now()) * 1e6);
}
