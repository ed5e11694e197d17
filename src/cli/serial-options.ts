import type { Command } from 'commander';

/** Adds the serial input options (default: stdin). */
export function addSerialOptions(cmd: Command): Command {
  return cmd
    .option('--serial-in <file>', 'feed the UART from this file instead of stdin')
    .option('--input-script <file.jsonl>', 'timed input, one JSON object per line: {"after_ms": 200, "serial": "ls\\n"}');
}
