/* UART0 changed under a firmware that prints through it: a numbered line
 * every millisecond of virtual time, the model probed before each line
 * (rc_uart_refresh) and announced when it changed ("model=..."). The
 * scenarios (tests/reconfig/uart_swap-*.yaml) give UART0 a file as its
 * chardev and then stdio again, then replace it by the other model and
 * back, each at a line the firmware printed. */
#include "rc.h"

#define LINES 16

int main(void)
{
    rc_init();
    rc_printf("model=%s\n", rc_uart_model_name(rc_console.model));
    for (int i = 0; i < LINES; i++) {
        if (rc_uart_refresh(&rc_console))
            rc_printf("model=%s\n", rc_uart_model_name(rc_console.model));
        rc_printf("tick %d\n", i);
        rc_uart_flush(&rc_console);
        rc_delay(RC_MS(1));
    }
    rc_printf("done\n");
    return 0;
}
