import type { LogHeader } from '../../codecs/index.js';
import type { MachineConfig } from '../machine/machine.js';
import { devicesFromHeader } from './families/registry.js';

/** The machine a log was recorded on, rebuilt from its header (RAM, icount shift, devices). */
export function replayMachineConfig(header: LogHeader, name: string): MachineConfig {
  return { ramBytes: header.ramBytes, icountShift: header.icountShift, virtio: devicesFromHeader(header.devices, name) };
}
