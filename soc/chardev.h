/* Character backends as devices see them: a byte sink (and, later, a
 * source). Implementations live in sim/chardev.c; a device gets one from
 * DeviceHost.open_chardev and owns it (closes it when it dies). */
#ifndef SOC_CHARDEV_H
#define SOC_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

typedef struct ChardevOps {
    void (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    void (*close)(Chardev *chr); /* frees chr */
} ChardevOps;

struct Chardev {
    const ChardevOps *ops;
};

static inline void chardev_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    chr->ops->write(chr, buf, len);
}

static inline void chardev_close(Chardev *chr)
{
    if (chr)
        chr->ops->close(chr);
}

#endif
