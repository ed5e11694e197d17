import type { InputDeviceKind } from '../machine/devices/virtio/virtio-input.js';
import { INPUT_DEVICES } from '../machine/devices/virtio/virtio-input.js';
import type { VirtioSpec } from '../machine/machine.js';

/** The input device options of `run` and `record`. */
export interface InputDeviceOptions {
  keyboard?: true | 'tty';
  mouse?: boolean;
  tablet?: boolean;
}

/** The virtio-input devices asked for by the options or used by the input script, keyboard, mouse, tablet in that order. */
export function inputDeviceSpecs(options: InputDeviceOptions, scriptDevices: readonly InputDeviceKind[]): VirtioSpec[] {
  const wanted = new Set<InputDeviceKind>(scriptDevices);
  if (options.keyboard !== undefined) wanted.add('keyboard');
  if (options.mouse === true) wanted.add('mouse');
  if (options.tablet === true) wanted.add('tablet');
  return INPUT_DEVICES.filter((d) => wanted.has(d)).map((device) => ({ kind: 'virtio-input', device }));
}
