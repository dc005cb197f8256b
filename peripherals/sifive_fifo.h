/* The 8-entry FIFOs of SiFive's serial blocks and their txdata/rxdata
 * convention, shared by the UART (sifive_uart.c) and the SPI controllers
 * (sifive_spi.c), which sifive-blocks builds the same way (FE310-G002
 * Manual, the UART and SPI chapters: txdata, rxdata):
 *   txdata  a read gives the full bit (31); a write enqueues the byte, or,
 *           when the FIFO is full, drops it: reported once per overflow
 *           (a firmware that never checks the bit would flood the report)
 *   rxdata  a read takes the oldest byte, or gives the empty bit (31)
 * The state is the model's (two SifiveFifo and an overflow flag); the
 * model clears the flag whenever a byte leaves the transmit FIFO. */
#ifndef PERIPHERALS_SIFIVE_FIFO_H
#define PERIPHERALS_SIFIVE_FIFO_H

#include <stdbool.h>
#include <stdint.h>

#include "peripherals/peripheral.h"

#define SIFIVE_FIFO_DEPTH 8
#define SIFIVE_TXDATA_FULL 0x80000000u
#define SIFIVE_RXDATA_EMPTY 0x80000000u

typedef struct SifiveFifo {
    uint8_t data[SIFIVE_FIFO_DEPTH];
    uint8_t head, count;
} SifiveFifo;

/* A FIFO restored from a snapshot is one this code can run: its head
 * inside the buffer, its count at most the depth. */
static inline bool sifive_fifo_ok(const SifiveFifo *f)
{
    return f->head < SIFIVE_FIFO_DEPTH && f->count <= SIFIVE_FIFO_DEPTH;
}

static inline void sifive_fifo_push(SifiveFifo *f, uint8_t byte)
{
    f->data[(f->head + f->count++) % SIFIVE_FIFO_DEPTH] = byte;
}

static inline uint8_t sifive_fifo_pop(SifiveFifo *f)
{
    uint8_t byte = f->data[f->head];
    f->head = (uint8_t)((f->head + 1) % SIFIVE_FIFO_DEPTH);
    f->count--;
    return byte;
}

static inline uint32_t sifive_txdata_read(const SifiveFifo *tx)
{
    return tx->count == SIFIVE_FIFO_DEPTH ? SIFIVE_TXDATA_FULL : 0;
}

static inline void sifive_txdata_write(SifiveFifo *tx, bool *overflowed,
                                       const DeviceHost *host, const char *name,
                                       uint8_t byte)
{
    if (tx->count < SIFIVE_FIFO_DEPTH) {
        sifive_fifo_push(tx, byte);
        return;
    }
    if (!*overflowed)
        device_log_guest(host, name, "txdata written while the transmit FIFO is "
                         "full: the byte is dropped");
    *overflowed = true;
}

/* A peek looks at the oldest byte without taking it. */
static inline uint32_t sifive_rxdata_read(SifiveFifo *rx, bool peek)
{
    if (!rx->count)
        return SIFIVE_RXDATA_EMPTY;
    return peek ? rx->data[rx->head] : sifive_fifo_pop(rx);
}

#endif
