/* Supervisor-mode trap entry: save caller-saved registers, call
 *   uint32_t s_trap(scause, sepc, stval)
 * write its result to sepc, restore, sret. Uses the interrupted code's stack. */
    .file "strap.S"   /* fixed name in the symbol table: keeps builds reproducible */
#include "trap-frame.h"
    .section .text
    .balign 4
    .globl s_trap_entry
s_trap_entry:
    save_caller_saved
    csrr  a0, scause
    csrr  a1, sepc
    csrr  a2, stval
    call  s_trap
    csrw  sepc, a0
    restore_caller_saved
    sret
