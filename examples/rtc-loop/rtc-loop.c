/* rtc-loop: an event-heavy guest. Reads the goldfish RTC (the host clock, recorded as one
 * CLOCK event per read) 100 000 times with a little work in between, checks that time never
 * goes backwards, and prints only what does not depend on the clock's values. */
#include "rrvm.h"

#define READS 100000u

int main(void) {
    uint64_t previous = rtc_read_ns();
    uint32_t backwards = 0, mix = 0x12345678u;
    for (uint32_t i = 0; i < READS; i++) {
        /* Some work between reads, like a program that timestamps what it does. */
        for (uint32_t k = 0; k < 8; k++) mix = (mix ^ (mix << 7)) * 2654435761u + k;
        uint64_t now = rtc_read_ns();
        if (now < previous) backwards++;
        previous = now;
    }
    uart_puts("rtc-loop: ");
    uart_put_dec(READS);
    uart_puts(" RTC reads, ");
    uart_put_dec(backwards);
    uart_puts(" went backwards; work checksum ");
    uart_put_hex(mix);
    uart_puts("\n");
    return backwards == 0 ? 0 : 1;
}
