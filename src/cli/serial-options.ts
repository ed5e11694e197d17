import { InvalidArgumentError, type Command } from 'commander';

/** Adds the input options: serial input (default: stdin) and the keyboard, mouse and tablet. */
export function addSerialOptions(cmd: Command): Command {
  return cmd
    .option('--serial-in <file>', 'feed the UART from this file instead of stdin')
    .option(
      '--input-script <file.jsonl>',
      'timed input, one JSON object per line: {"after_ms": 200, "serial": "ls\\n"}, {"key": "KEY_A", "down": true}, {"text": "ls\\n"}, {"mouse": {"dx": 5, "dy": -3}}, {"button": "BTN_LEFT", "down": true}, {"tablet": {"x": 100, "y": 200}} (key and mouse lines attach the devices they need)',
    )
    .option('--keyboard [tty]', 'attach a virtio keyboard; with tty, keys typed in the terminal go to it (evdev codes, recorded as INPUT events) instead of the serial console; Ctrl-C stops', parseKeyboard)
    .option('--mouse', 'attach a virtio mouse (relative motion, wheel, buttons)')
    .option('--tablet', 'attach a virtio tablet (absolute pointer, 0..32767 on both axes)');
}

function parseKeyboard(value: string): 'tty' {
  if (value !== 'tty') throw new InvalidArgumentError('the only value --keyboard takes is tty');
  return 'tty';
}
