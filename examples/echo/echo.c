/* echo: interrupt-driven serial echo.
 * UART RX interrupt (IER.RDI) -> PLIC source 10 -> context 0 (M-mode external interrupt).
 * The main loop sleeps in WFI; the trap handler claims the interrupt, echoes every byte
 * waiting in the UART, and completes. A 'q' ends the program (exit 0). */
#include "rrvm.h"

static volatile uint32_t echoed;
static volatile int quit;

static uint32_t on_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (mcause != (MCAUSE_INTERRUPT | IRQ_M_EXT)) {
        uart_puts("\necho: unexpected trap mcause=0x");
        uart_put_hex(mcause);
        uart_puts(" mtval=0x");
        uart_put_hex(mtval);
        uart_puts("\n");
        exit(1);
    }
    uint32_t src = plic_claim();
    if (src == UART_IRQ) {
        /* Drain everything the UART holds; stop at 'q'. */
        while (!quit && (mmio_read8(UART0_BASE + UART_LSR) & UART_LSR_DR)) {
            char c = (char)mmio_read8(UART0_BASE + UART_RBR);
            uart_putc(c);
            echoed++;
            if (c == 'q')
                quit = 1;
        }
    }
    if (src)
        plic_complete(src);
    return mepc;
}

int main(void)
{
    uart_puts("echo: type some text, 'q' quits\n");

    trap_init(on_trap);
    /* PLIC first (enable before threshold), UART last. Order matters on QEMU 7.2: a
     * write to a PLIC enable register does not re-evaluate the interrupt output (priority
     * and threshold writes do), so a byte arriving just before the enable write would
     * leave MEIP low for good. Writing the threshold after the enable, and IER after
     * both (the UART raises its line at once if a byte is already waiting), has no such
     * window. */
    plic_set_priority(UART_IRQ, 1);
    plic_enable(UART_IRQ);
    plic_set_threshold(0);
    csr_set(mie, MIE_MEIE);
    /* No FCR write: enabling the FIFO on QEMU discards bytes already received. */
    mmio_write8(UART0_BASE + UART_IER, UART_IER_RDI);

    /* Check the flag with interrupts off, then WFI; a pending interrupt wakes WFI even
     * with MIE clear, and is taken as soon as MIE is set again. No lost wake-ups. */
    for (;;) {
        irq_disable();
        if (quit)
            break;
        wfi();
        irq_enable();
    }

    mmio_write8(UART0_BASE + UART_IER, 0);
    uart_puts("\necho: echoed ");
    uart_put_dec(echoed);
    uart_puts(" bytes\n");
    return 0;
}
