#include "rrvm.h"

static trap_handler_t current_handler;

static uint32_t default_handler(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    uart_puts("\nunexpected trap: mcause=0x");
    uart_put_hex(mcause);
    uart_puts(" mepc=0x");
    uart_put_hex(mepc);
    uart_puts(" mtval=0x");
    uart_put_hex(mtval);
    uart_puts("\n");
    exit(0x7e);
}

/* Called from trap_entry (trap.S). */
uint32_t rrvm_trap_dispatch(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    trap_handler_t h = current_handler ? current_handler : default_handler;
    return h(mcause, mepc, mtval);
}

void trap_init(trap_handler_t handler)
{
    current_handler = handler;
    csr_write(mtvec, (uint32_t)trap_entry);   /* direct mode: trap_entry is 4-aligned */
}
