import { readFileSync } from 'node:fs';

/**
 * The peak resident memory of this process in MiB: on Linux the VmHWM of /proc/self/status,
 * elsewhere getrusage's maxRSS. Not maxRSS on Linux: it survives execve, so a child spawned by
 * a large process (a test runner, a bench) reports at least the RSS its parent had at the fork.
 */
export function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm !== null) return Number(hwm[1]) / 1024;
  } catch {
    // No procfs (not Linux): the rusage figure is the best there is.
  }
  return process.resourceUsage().maxRSS / 1024;
}
