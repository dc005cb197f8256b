/* The registry the machine is handed (soc/device.h). */
#include "soc/device.h"

#include <string.h>

const PeripheralClass *device_registry_find(const DeviceRegistry *registry,
                                            const char *type)
{
    if (!registry)
        return NULL;
    for (size_t i = 0; i < registry->count; i++)
        if (strcmp(registry->classes[i]->type, type) == 0)
            return registry->classes[i];
    return NULL;
}
