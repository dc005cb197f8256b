/* Character backends as devices see them: a byte sink and a byte source.
 * Implementations live in sim/chardev_host.c (stdio, null, file, tcp, pty);
 * a device gets one from DeviceHost.open_chardev and owns it (closes it
 * when it dies).
 *
 * Nothing here blocks. Output a backend cannot take now (no client
 * connected, a full socket) is dropped. Input is polled: a device asks for
 * bytes at the times its own model says a character arrives (a UART at its
 * baud rate, from a clock event), so the same file input reaches the
 * firmware at the same virtual times on every run. A backend reports the
 * end of its input (end of file, no input at all) through
 * chardev_input_ended, and a device then stops polling until
 * chardev_input_arrived wakes it (input injected later).
 */
#ifndef SOC_CHARDEV_H
#define SOC_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

typedef struct ChardevOps {
    void (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* Copies up to `max` bytes available now into buf and returns how many;
     * 0 when none are (yet). Sets chr->eof when the input has ended for
     * good. NULL: the backend has no input. */
    size_t (*read)(Chardev *chr, uint8_t *buf, size_t max);
    void (*close)(Chardev *chr); /* frees chr */
} ChardevOps;

struct Chardev {
    const ChardevOps *ops;
    bool eof; /* set by the backend: no byte will ever come again */
    /* Set by the device: called when input arrives after the backend said
     * it had ended (a byte the monitor queued, sim/uart_tap.h), so a
     * device that stopped polling polls again. */
    void (*input_arrived)(void *opaque);
    void *input_opaque;
};

static inline void chardev_set_input_handler(Chardev *chr,
                                             void (*fn)(void *opaque),
                                             void *opaque)
{
    chr->input_arrived = fn;
    chr->input_opaque = opaque;
}

/* For backends: input came after chardev_input_ended said true. */
static inline void chardev_input_arrived(Chardev *chr)
{
    if (chr->input_arrived)
        chr->input_arrived(chr->input_opaque);
}

static inline void chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    chr->ops->write(chr, buf, len);
}

/* True when no input will ever come: polling can stop. */
static inline bool chardev_input_ended(const Chardev *chr)
{
    return !chr->ops->read || chr->eof;
}

/* Non-blocking: the bytes available now, 0 when none. */
static inline size_t chardev_read(Chardev *chr, uint8_t *buf, size_t max)
{
    if (chardev_input_ended(chr) || max == 0)
        return 0;
    return chr->ops->read(chr, buf, max);
}

static inline void chardev_close(Chardev *chr)
{
    if (chr)
        chr->ops->close(chr);
}

#endif
