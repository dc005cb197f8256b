/* What a device on a SPI chip select offers its controller
 * (peripherals/bus_device.h: a BusDeviceClass whose `bus` is "spi" has
 * `ops` pointing at a SpiDeviceOps).
 *
 * The controller owns the wires: SCK, MOSI, MISO and one chip select per
 * device. A device sees two things:
 *
 *   select(dev, true)    its chip select went active (low): a transaction
 *                        begins; the device forgets any unfinished one
 *   select(dev, false)   its chip select went inactive (high): the
 *                        transaction ends, and a command that executes on
 *                        the rising edge of CS (a flash's page program or
 *                        erase) executes now
 *   transfer(dev, mosi)  one frame while selected: the byte the controller
 *                        shifted out, most-significant bit first as it
 *                        went on the wire; returns the byte the device
 *                        shifted back (MISO) during the same frame
 *
 * The contract:
 * - select is called on edges only: never twice in a row with the same
 *   value. A device starts deselected; a controller that attaches a device
 *   while its chip select is already low calls select(dev, true) first.
 * - transfer is called only while the device is selected. Frames are
 *   whole bytes (a controller that times shorter frames still hands over
 *   a byte: bus_device.h's models need not know the frame length).
 * - transfer runs at the virtual time the frame ends (a clock event of the
 *   controller; inside its MMIO callback when the machine has no clock);
 *   select runs when the chip select moves, which may be inside the
 *   controller's MMIO callback (a csmode or csdef write). clock_now is
 *   exact in both.
 * - A device that drives nothing on MISO returns 0xff (the line idles
 *   high). With several devices selected at once (csdef cleared in OFF
 *   mode) the controller ANDs their answers.
 * - Neither may destroy the device or its controller.
 */
#ifndef PERIPHERALS_SPI_BUS_H
#define PERIPHERALS_SPI_BUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct SpiDeviceOps {
    void (*select)(void *dev, bool asserted);
    uint8_t (*transfer)(void *dev, uint8_t mosi);
} SpiDeviceOps;

/* What a device's MISO reads when nothing drives it. */
#define SPI_MISO_IDLE 0xffu

#endif
