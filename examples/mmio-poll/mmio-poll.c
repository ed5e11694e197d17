/* mmio-poll: a device-polling loop, the pattern of a driver that spins on a status register.
 * Reads the UART's line status register 20 million times, counting how often the transmitter
 * was ready, and prints the count. The count depends only on the device model (the
 * transmitter is always ready on both QEMU and rrvm), so both print the same line. */
#include "rrvm.h"

#define READS 20000000u

int main(void) {
    volatile uint8_t *lsr = (volatile uint8_t *)(UART0_BASE + UART_LSR);
    uint32_t ready = 0;
    for (uint32_t i = 0; i < READS; i++) ready += (*lsr & UART_LSR_THRE) != 0;
    uart_puts("mmio-poll: ");
    uart_put_dec(READS);
    uart_puts(" status reads, transmitter ready in ");
    uart_put_dec(ready);
    uart_puts("\n");
    return ready == READS ? 0 : 1;
}
