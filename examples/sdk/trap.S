/* Machine-mode trap entry: save caller-saved registers, call
 *   uint32_t rrvm_trap_dispatch(mcause, mepc, mtval)
 * write its result to mepc, restore, mret. Uses the interrupted code's stack. */
    .file "trap.S"    /* fixed name in the symbol table: keeps builds reproducible */
#include "trap-frame.h"
    .section .text
    .balign 4
    .globl trap_entry
trap_entry:
    save_caller_saved
    csrr  a0, mcause
    csrr  a1, mepc
    csrr  a2, mtval
    call  rrvm_trap_dispatch
    csrw  mepc, a0
    restore_caller_saved
    mret
