/* Snapshot bytes: a writer that grows a buffer and a reader that never
 * reads past its end, for numbers (little endian, fixed width), strings
 * and blobs (a 32-bit length, then the bytes). Device models
 * (PeripheralClass.save_state and load_state, soc/device.h), the
 * machine's state (machine_state.c) and the host services' state
 * (sim/host) are written with it.
 *
 * A device model's state starts with an envelope: "MS", the model's type
 * and a version of its layout (state_begin), so that data of another
 * model or layout is refused by name before anything of it is read
 * (state_open). What follows is the model's: usually one blob of its
 * register bank's records (peripherals/regs.h: regs_device_save), then,
 * for a bus controller, one per bus device (peripherals/bus_device.h).
 *
 * The reader is sticky: after the first read past the end every read
 * returns zeros and state_end reports the truncation, so a caller may read
 * everything and check once. Nothing here allocates on the reader's side:
 * blobs and strings point into the data.
 */
#ifndef SOC_STATE_IO_H
#define SOC_STATE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/error.h"

typedef struct StateWriter {
    uint8_t *data;
    size_t len, cap;
} StateWriter;

void state_put(StateWriter *w, const void *bytes, size_t n);
void state_put_u8(StateWriter *w, uint8_t v);
void state_put_u32(StateWriter *w, uint32_t v);
void state_put_u64(StateWriter *w, uint64_t v);
/* A 32-bit length, then the bytes (a string without its NUL). */
void state_put_blob(StateWriter *w, const void *bytes, size_t n);
void state_put_str(StateWriter *w, const char *s);
/* The bytes written, malloc'd (never NULL, even when empty), *len of
 * them; the writer is empty again. */
uint8_t *state_take(StateWriter *w, size_t *len);

typedef struct StateReader {
    const uint8_t *p, *end;
    bool truncated; /* a read ran past the end */
} StateReader;

void state_reader_init(StateReader *r, const uint8_t *data, size_t len);
/* False (and *out zeroed) past the end. */
bool state_get(StateReader *r, void *out, size_t n);
uint8_t state_get_u8(StateReader *r);
uint32_t state_get_u32(StateReader *r);
uint64_t state_get_u64(StateReader *r);
/* A blob's bytes, pointing into the data; NULL (*n 0) past the end. */
const uint8_t *state_get_blob(StateReader *r, size_t *n);
/* Whether the next string equals `s` (consumed either way). */
bool state_get_str_is(StateReader *r, const char *s);
/* The next string copied into buf (cut to size - 1 bytes), for messages
 * and lookups; "" past the end. */
void state_get_str(StateReader *r, char *buf, size_t size);

/* The envelope: begin writes it; open reads it and fails, naming `type`
 * ("TYPE: saved state is of ns16550a"), on data of another model or
 * version, or too short to hold one. */
void state_begin(StateWriter *w, const char *type, uint32_t version);
bool state_open(StateReader *r, const char *type, uint32_t version,
                const uint8_t *data, size_t len, Error **errp);
/* After the last read: fails naming `type` when a read ran past the end
 * or bytes are left over. */
bool state_end(const StateReader *r, const char *type, Error **errp);

/* Whether the bool objects at `b` (n of them, e.g. loaded with memcpy
 * from saved bytes) hold 0 or 1: any other byte is a value no bool may
 * have, and reading it as one is undefined. Reads their bytes only. */
bool state_bools_ok(const void *b, size_t n);

#endif
