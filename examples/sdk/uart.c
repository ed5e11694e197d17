#include "rrvm.h"

#define UART_REG(r) (UART0_BASE + (r))

void uart_putc(char c)
{
    while (!(mmio_read8(UART_REG(UART_LSR)) & UART_LSR_THRE))
        ;
    mmio_write8(UART_REG(UART_THR), (uint8_t)c);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

int uart_try_getc(void)
{
    if (mmio_read8(UART_REG(UART_LSR)) & UART_LSR_DR)
        return mmio_read8(UART_REG(UART_RBR));
    return -1;
}

int uart_getc(void)
{
    int c;
    while ((c = uart_try_getc()) < 0)
        ;
    return c;
}

void uart_put_dec64(uint64_t v)
{
    char buf[21];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v);
    while (i)
        uart_putc(buf[--i]);
}

void uart_put_dec(uint32_t v)
{
    char buf[11];
    int i = 0;
    do {
        buf[i++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v);
    while (i)
        uart_putc(buf[--i]);
}

void uart_put_hex(uint32_t v)
{
    for (int s = 28; s >= 0; s -= 4)
        uart_putc("0123456789abcdef"[(v >> s) & 0xf]);
}
