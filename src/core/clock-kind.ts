/** Which host clock a device reads. `rtc` is wall-clock time in ns since the Unix epoch. */
export type ClockKind = 'rtc';
