/* hello: the smallest rrvm guest. Prints a greeting and passes. */
#include "rrvm.h"

int main(void)
{
    uart_puts("Hello from rrvm guest!\n");
    uart_puts("This is a bare-metal RV32IMAC program on the QEMU virt board.\n");
    uart_puts("6 * 7 = ");
    uart_put_dec(6 * 7);
    uart_puts("\nBye.\n");
    return 0;
}
