// A guard for tests that could otherwise hang: `Cpu.run` loops until its budget is used, so a
// hand-over between the run loop and the interpreter that never executes an instruction spins
// forever. The guard turns that into an error.
import type { Machine } from '../../../src/machine/machine.js';

/** The interpreter's signature (a private method of Cpu). */
type Interpret = (start: number, budget: number, newPage: boolean, boundary: boolean) => number;

/**
 * Makes `m`'s interpreter throw when it returns twice in a row without executing anything at
 * the same pc and icount (once is a legitimate hand-over to a compiled block that `run` then
 * enters, which moves the icount on).
 */
export function stallGuard(m: Machine): void {
  const cpu = m.cpu as unknown as { interpret: Interpret; pc: number; icount: number; runBase: number };
  const interpret = cpu.interpret.bind(cpu);
  let stalledPc = -1;
  let stalledAt = -1;
  cpu.interpret = (start, budget, newPage, boundary) => {
    const n = interpret(start, budget, newPage, boundary);
    if (n !== start) {
      stalledPc = -1;
      return n;
    }
    if (cpu.pc === stalledPc && cpu.runBase + start === stalledAt) {
      throw new Error(`run() stalls: the interpreter hands back at pc 0x${(cpu.pc >>> 0).toString(16)} without executing (icount ${cpu.icount})`);
    }
    stalledPc = cpu.pc;
    stalledAt = cpu.runBase + start;
    return n;
  };
}
