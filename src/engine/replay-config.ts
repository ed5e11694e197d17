import type { LogHeader } from '../../codecs/index.js';
import type { MachineConfig } from '../machine/machine.js';
import { checkHeaderDevices } from './families/registry.js';

/** The machine a log was recorded on, rebuilt from its header (RAM, icount shift, devices). */
export function replayMachineConfig(header: LogHeader, name: string): MachineConfig {
  checkHeaderDevices(header.devices, name);
  return { ramBytes: header.ramBytes, icountShift: header.icountShift };
}
