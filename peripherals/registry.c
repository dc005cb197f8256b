#include "peripherals/registry.h"

#include <string.h>

#include "peripherals/regs.h"

/* One line per model; a new model needs its file and a line here. */
extern const PeripheralClass irq_probe_class;
extern const PeripheralClass mmio_stub_class;
extern const PeripheralClass ns16550a_class;
extern const PeripheralClass power_controller_class;
extern const PeripheralClass remap_controller_class;
extern const PeripheralClass sifive_aon_class;
extern const PeripheralClass sifive_clint_class;
extern const PeripheralClass sifive_gpio_class;
extern const PeripheralClass sifive_i2c_class;
extern const PeripheralClass sifive_otp_class;
extern const PeripheralClass sifive_plic_class;
extern const PeripheralClass sifive_prci_class;
extern const PeripheralClass sifive_pwm_class;
extern const PeripheralClass sifive_spi_class;
extern const PeripheralClass sifive_test_class;
extern const PeripheralClass sifive_uart_class;

static const PeripheralClass *const models[] = {
    &ns16550a_class,
    &sifive_clint_class,
    &sifive_uart_class,
    &sifive_plic_class,
    &sifive_gpio_class,
    &sifive_i2c_class,
    &sifive_prci_class,
    &sifive_pwm_class,
    &sifive_otp_class,
    &sifive_spi_class,
    &sifive_aon_class,
    &mmio_stub_class,
    &sifive_test_class,
    &irq_probe_class,
    &remap_controller_class,
    &power_controller_class,
};

static const DeviceRegistry registry = {models, sizeof models / sizeof models[0],
                                        regs_describe_table};

const DeviceRegistry *registry_devices(void)
{
    return &registry;
}

const PeripheralClass *registry_find(const char *type)
{
    return device_registry_find(&registry, type);
}

size_t registry_count(void)
{
    return sizeof models / sizeof models[0];
}

const PeripheralClass *registry_at(size_t index)
{
    return index < registry_count() ? models[index] : NULL;
}

static bool irq_outputs(const char *type, unsigned *count, const char *const **names)
{
    const PeripheralClass *cls = registry_find(type);
    if (!cls)
        return false;
    *count = cls->irq_outputs;
    *names = cls->irq_output_names;
    return true;
}

BoardModels registry_board_models(void)
{
    BoardModels board_models = {.irq_outputs = irq_outputs};
    for (size_t i = 0; i < registry_count(); i++)
        if (models[i]->irq_outputs > board_models.most_irq_outputs)
            board_models.most_irq_outputs = models[i]->irq_outputs;
    return board_models;
}
