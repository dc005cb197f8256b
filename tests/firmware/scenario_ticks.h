/* The firmware of the scenario and console tests (tests/scenario/,
 * tests/console/), one body for two boards: scenario_ticks.c (virt32) and
 * hifive1/scenario_ticks.c each define uart_rx_start() and uart_getc()
 * (-1: no byte yet) before including it.
 *
 * It prints "READY", then "tick N" every TICK_SPIN polls of UART0's
 * input, and answers each line it receives: "echo TEXT" prints
 * "echo: TEXT", "quit N" exits with status N, anything else prints
 * "what: LINE". Every CHECKPOINT_EVERY ticks it calls checkpoint(), a
 * `pc:` target. After MAX_TICKS ticks it prints "done" and exits with 0 (the
 * only status the plain hifive1-revb can end a run with). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_SPIN 400u
#define MAX_TICKS 60u
#define CHECKPOINT_EVERY 10u

static char line[64];
static unsigned line_len;

void checkpoint(unsigned tick);
__attribute__((noinline)) void checkpoint(unsigned tick)
{
    printf("checkpoint at tick %u\n", tick);
}

static void answer(void)
{
    line[line_len] = '\0';
    if (strncmp(line, "echo ", 5) == 0)
        printf("echo: %s\n", line + 5);
    else if (strncmp(line, "quit ", 5) == 0)
        exit(atoi(line + 5));
    else
        printf("what: %s\n", line);
    line_len = 0;
}

static void take_input(void)
{
    int c;
    while ((c = uart_getc()) >= 0) {
        if (c == '\r')
            continue;
        if (c == '\n')
            answer();
        else if (line_len < sizeof line - 1)
            line[line_len++] = (char)c;
    }
}

int main(void)
{
    uart_rx_start();
    printf("READY\n");
    for (unsigned tick = 1; tick <= MAX_TICKS; tick++) {
        for (unsigned i = 0; i < TICK_SPIN; i++)
            take_input();
        printf("tick %u\n", tick);
        if (tick % CHECKPOINT_EVERY == 0)
            checkpoint(tick);
    }
    printf("done\n");
    return 0;
}
