/* What an I2C target (a sensor, an EEPROM) offers the controller it sits
 * behind: the `ops` of its BusDeviceClass (peripherals/bus_device.h) on
 * bus "i2c". The controller (peripherals/sifive_i2c.c) drives the bus; a
 * target only answers.
 *
 * Addressing is the controller's: it asks each attached target its 7-bit
 * address (`address`) and, after a START, calls `start` only on the
 * targets whose address is the one on the bus. A target that acknowledged
 * its address is "selected" until the transaction ends; only selected
 * targets get `write`, `read` and `stop`. Targets sharing an address all
 * answer, as on a real open-drain bus: the controller sees an ACK when any
 * of them acknowledges and reads the AND of their bytes.
 *
 * Order of calls, for one transaction:
 *     start(read)  after START (or a repeated START) and the address byte
 *     write(byte)  each byte the controller sends (read == false)
 *     read()       each byte the controller clocks in (read == true)
 *     stop()       the transaction ended: a STOP, a repeated START
 *                  (whatever address follows it) or the controller's reset
 * A firmware may misuse the bus (read in a write transaction, write in a
 * read one); a target then answers as it best can, never crashes.
 *
 * Each call is one whole byte on the bus (the controller does the bit
 * timing); none may fail or remove the target. The controller owns the
 * target (BusDevice) and destroys it with itself.
 */
#ifndef PERIPHERALS_I2C_BUS_H
#define PERIPHERALS_I2C_BUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct I2cDeviceOps {
    /* The 7-bit address the target answers to (0x08-0x77). */
    uint8_t (*address)(const void *dev);
    /* Addressed after a START: true to acknowledge. */
    bool (*start)(void *dev, bool read);
    /* A byte from the controller: true to acknowledge it. */
    bool (*write)(void *dev, uint8_t byte);
    /* The next byte the target sends. */
    uint8_t (*read)(void *dev);
    /* The transaction it was selected in has ended. */
    void (*stop)(void *dev);
} I2cDeviceOps;

#endif
