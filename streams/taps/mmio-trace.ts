import type { Subscription } from 'rxjs';
import { openLineFile } from './internal/line-file.js';
import type { TapSession } from './tap.js';

/** Default output file of the `mmio` tap. */
export const MMIO_TRACE_FILE = 'mmio.txt';

/**
 * Built-in tap `mmio[=FILE]`: one line per load or store that reached a device, with the icount
 * of the instruction, the device's name, the access (r or w and its size in bytes), the offset
 * in the device and the value: `      1234 uart w1 +0x0 = 0x48`. Costs nothing when not attached;
 * attached, one call per device access (the compiled code keeps running).
 */
export function mmioTrace(session: TapSession): Subscription {
  const file = openLineFile(session.options['file'] ?? MMIO_TRACE_FILE, 'mmio');
  const close = (): void => file.close();
  return session.exec.mmio$.subscribe({
    next(b) {
      for (let i = 0; i < b.count; i++) {
        file.write(`${String(b.icount[i]).padStart(10)} ${b.device[i]} ${b.write[i] ? 'w' : 'r'}${b.size[i]} +0x${b.offset[i]!.toString(16)} = 0x${b.value[i]!.toString(16)}`);
      }
    },
    complete: close,
    error: close,
  });
}
