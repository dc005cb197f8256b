/* The registry: YAML `type:` -> device model. The only way the rest of the
 * simulator reaches a model. */
#ifndef PERIPHERALS_REGISTRY_H
#define PERIPHERALS_REGISTRY_H

#include <stddef.h>

#include "peripherals/peripheral.h"
#include "soc/board.h"

/* Every model, for machine_new (MachineHooks.registry). */
const DeviceRegistry *registry_devices(void);
/* NULL when no model has that type. */
const PeripheralClass *registry_find(const char *type);
size_t registry_count(void);
const PeripheralClass *registry_at(size_t index);

/* What board loading may know of the models (soc/board.h), for
 * BoardLoad.models. */
BoardModels registry_board_models(void);

#endif
