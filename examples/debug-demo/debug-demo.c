/* debug-demo: a small target for `rrvm gdb`. A global counter changes in one non-inlined
 * function, called once per loop iteration, and each iteration prints a line, so a debugger
 * has a function to break on, a variable to watch and console output to keep an eye on:
 *   break bump / continue / stepi / reverse-stepi
 *   watch *(int*)&counter / reverse-continue */
#include "rrvm.h"

#define TICKS 20

volatile int counter;

/* Adds the tick number to counter, so every call leaves a different value. */
__attribute__((noinline)) void bump(int n)
{
    counter = counter + n;
}

int main(void)
{
    for (int i = 1; i <= TICKS; i++) {
        bump(i);
        uart_puts("tick ");
        uart_put_dec((uint32_t)i);
        uart_puts(" counter=");
        uart_put_dec((uint32_t)counter);
        uart_puts("\n");
    }
    return 0;
}
