/* clock: reads the two clocks of the board and takes five 10 ms timer interrupts.
 *   goldfish RTC (host wall-clock ns; nondeterministic, recorded by rrvm)
 *   CLINT mtime  (10 MHz, derived from the virtual clock)
 * Every number that can differ between runs follows an '=' sign, so a test can mask
 * them with /=\d+/g. */
#include "rrvm.h"

#define TICKS      5
#define PERIOD     (MTIME_HZ / 100)      /* 10 ms = 100000 ticks of mtime */

static volatile int fired;

static uint32_t on_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (mcause == (MCAUSE_INTERRUPT | IRQ_M_TIMER)) {
        timer_disable();                  /* one shot: mtimecmp = max */
        fired = 1;
        return mepc;
    }
    uart_puts("clock: unexpected trap mcause=0x");
    uart_put_hex(mcause);
    uart_puts(" mtval=0x");
    uart_put_hex(mtval);
    uart_puts("\n");
    exit(1);
}

int main(void)
{
    uart_puts("clock: rtc_ns=");
    uart_put_dec64(rtc_read_ns());
    uart_puts(" mtime=");
    uart_put_dec64(mtime_read());
    uart_puts("\n");

    timer_disable();
    trap_init(on_trap);
    csr_set(mie, MIE_MTIE);

    int late = 0;
    for (int k = 1; k <= TICKS; k++) {
        uint64_t deadline = mtime_read() + PERIOD;
        fired = 0;
        timer_set(deadline);
        for (;;) {
            irq_disable();
            if (fired)
                break;
            wfi();
            irq_enable();
        }
        uint64_t now = mtime_read();
        if (now < deadline)
            late++;                       /* the interrupt came before its deadline */
        uart_puts("tick ");
        uart_put_dec(k);
        uart_puts(" mtime=");
        uart_put_dec64(now);
        uart_puts(" rtc=");
        uart_put_dec64(rtc_read_ns());
        uart_puts("\n");
    }
    csr_clear(mie, MIE_MTIE);

    if (late) {
        uart_puts("clock: FAIL timer fired before mtimecmp\n");
        return 1;
    }
    uart_puts("clock: done\n");
    return 0;
}
