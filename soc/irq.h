/* Interrupt lines. A device drives a line with a level; it does not know
 * what is behind it (a CPU interrupt input, a PLIC source). A line with no
 * handler goes nowhere. The wiring comes from the board's `irq:` keys.
 *
 * A sink hands out lines pointing at itself; whoever wires a source to a
 * sink (the machine) must disconnect the source before the sink dies.
 */
#ifndef SOC_IRQ_H
#define SOC_IRQ_H

#include <stdbool.h>

typedef void (*IrqHandler)(void *opaque, unsigned line, bool level);

typedef struct IrqLine {
    IrqHandler handler;
    void *opaque;
    unsigned line;
} IrqLine;

static inline void irq_set(const IrqLine *irq, bool level)
{
    if (irq->handler)
        irq->handler(irq->opaque, irq->line, level);
}

static inline bool irq_connected(const IrqLine *irq)
{
    return irq->handler != 0;
}

#endif
