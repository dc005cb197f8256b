/* Host character backends behind soc/chardev.h. */
#ifndef SIM_CHARDEV_HOST_H
#define SIM_CHARDEV_HOST_H

#include "soc/chardev.h"
#include "soc/error.h"

/* spec: "stdio" (the simulator's stdout), "null", or "file:PATH"
 * (created or truncated). The caller owns the result (chardev_close). */
Chardev *chardev_open(const char *spec, Error **errp);

#endif
