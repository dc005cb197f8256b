/* Taps on the peripherals' character devices, by peripheral name: what
 * each one printed goes to an observer (a scenario's `on-uart` and
 * `expect-uart`), and bytes can be queued on its input (the monitor's
 * `uart NAME send`). The tap belongs to the name, not to the chardev: a
 * UART replaced by another model, or given a new chardev, is tapped under
 * the same name.
 *
 * Injected bytes are read by the device like any input, at the character
 * times its model polls at, so a scenario's input reaches the firmware at
 * the same cycles on every run. A device that stopped polling because its
 * backend's input had ended is woken (chardev_input_arrived), and so is
 * one whose backend's input comes back. While two chardevs of one name
 * are open (a replace builds the new device before the old one goes; a
 * chardev change opens the new backend first), the newest reads the
 * queue; when it closes first, the other takes the queue over.
 *
 * Backends are handed over (uart_taps_open): a device that asks for the
 * spec a chardev of its name still holds open (the replacement of a UART
 * keeps its `chardev`) shares that chardev's backend instead of opening
 * the spec again, which would truncate a file, fail to listen on a tcp
 * port still taken, and make a new pty. Output from either goes to the
 * backend; the newest of the chardevs sharing it reads its input (the
 * older reports the end of its input), and when the newest closes first
 * the older reads it again, woken if it had stopped polling. The backend
 * closes with the last chardev sharing it. Another spec, or another
 * name, opens a backend of its own.
 *
 * Ownership: the chardev uart_taps_wrap or uart_taps_open returns belongs
 * to the device (it closes it; the backend closes with the last chardev
 * sharing it). Free UartTaps after the machine; freed first, the chardevs
 * still open pass bytes through untapped and close safely.
 */
#ifndef SIM_UART_TAP_H
#define SIM_UART_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/chardev.h"
#include "soc/error.h"

typedef struct InputLog InputLog; /* sim/input_log.h */

typedef struct UartTaps UartTaps;

typedef void (*UartTapObserver)(void *opaque, const char *device,
                                const uint8_t *bytes, size_t len);

UartTaps *uart_taps_new(void);
void uart_taps_free(UartTaps *taps);

/* Every byte any tapped device writes, after its backend took it. The
 * observer runs inside the device's write (an MMIO callback or a clock
 * event): it should record what it sees and act at the next instruction
 * boundary. */
void uart_taps_set_observer(UartTaps *taps, UartTapObserver fn, void *opaque);

/* A chardev for `device` that passes everything to `inner` (taking it
 * over) and taps it. `inner` is never shared. */
Chardev *uart_taps_wrap(UartTaps *taps, const char *device, Chardev *inner);

/* Opens a backend from a spec; the caller of uart_taps_open says how
 * (sim/main.c: chardev_open). NULL with *errp set when it cannot. */
typedef Chardev *(*UartTapOpenFn)(void *opaque, const char *spec, Error **errp);

/* A tapped chardev for `device` on `spec`: the backend of a chardev of
 * `device` opened with the same spec and still open, shared; else
 * open(opaque, spec, errp), whose error passes up unchanged (nothing is
 * left behind). */
Chardev *uart_taps_open(UartTaps *taps, const char *device, const char *spec,
                        UartTapOpenFn open, void *opaque, Error **errp);

/* Queues bytes on `device`'s input. Fails when no chardev of that name
 * is open (no such peripheral, powered off, or it has no serial port). */
bool uart_taps_send(UartTaps *taps, const char *device, const uint8_t *bytes,
                    size_t len, Error **errp);

/* ---- capture: what each device transmitted, for the monitor's
 * `uart NAME read` and `run-until NAME "TEXT"` (docs/CONTROL.md) ---- */

/* From now on every tapped device's output is also kept, up to `max`
 * unread bytes per name (older ones are dropped). Off by default: then
 * nothing is kept and the calls below see nothing. */
void uart_taps_capture(UartTaps *taps, size_t max);

/* True when a chardev of that name has been opened (now or before): its
 * output can be read. */
bool uart_taps_known(const UartTaps *taps, const char *device);

/* The device's unread output: *len bytes at the pointer returned, valid
 * until the next output, uart_taps_consume or uart_taps_free. */
const uint8_t *uart_taps_unread(const UartTaps *taps, const char *device, size_t *len);

/* Drops the first n bytes of the device's unread output. */
void uart_taps_consume(UartTaps *taps, const char *device, size_t n);

/* Where the first occurrence of text (len >= 1) in the device's unread
 * output ends (an offset in it); false when it is not there. */
bool uart_taps_find(const UartTaps *taps, const char *device, const uint8_t *text,
                    size_t len, size_t *end);

/* Calls fn(opaque) once, from inside the device's write (an MMIO
 * callback or a clock event: it should only ask the CPU to stop), when
 * the device's unread output comes to hold `text` (copied). One watch at
 * a time: a new one replaces the old; uart_taps_unwatch ends it. */
void uart_taps_watch(UartTaps *taps, const char *device, const uint8_t *text,
                     size_t len, void (*fn)(void *opaque), void *opaque);
void uart_taps_unwatch(UartTaps *taps);

/* ---- the input log (sim/input_log.h) ---- */

/* From now on every backend's input, as the devices see it, goes through
 * `log` (not owned; NULL: none): live, what each read took, whether the
 * input ended, and its coming back are logged; replaying, reads get the
 * logged bytes at their positions and the backends are not read. Set it
 * before the machine opens its chardevs: a backend's state when it opens
 * is logged too. */
void uart_taps_set_input_log(UartTaps *taps, InputLog *log);

/* Replays a logged wake-up (INPUT_UART_WAKE): `device`'s backend has
 * input again. False when no backend of that name is open. */
bool uart_taps_replay_wake(UartTaps *taps, const char *device, Error **errp);

/* While muted (reverse debugging re-executes what already ran), output
 * goes nowhere (not to the backends, the capture or the observer: it was
 * seen when it first ran) and no backend is read (input comes from the
 * log, or not at all: the backends' input belongs to the present); a
 * backend's input coming back meanwhile is looked at again when muting
 * ends. */
void uart_taps_set_muted(UartTaps *taps, bool muted);

/* What the taps hold of the machine's input at one moment, for reverse
 * execution (sim/timeline.h): the bytes queued on each name's input (`uart
 * NAME send`) not read yet, and whether each open backend's input had
 * ended as the devices saw it. Neither is in a machine snapshot, yet both
 * decide what the devices read next: restoring a snapshot without them
 * would re-feed a replayed `send` on top of the present's queue, or find
 * a backend's input ended that had not ended then. A copy, by name; owned
 * by the caller (uart_taps_state_free). */
typedef struct UartTapsState UartTapsState;
UartTapsState *uart_taps_state_save(const UartTaps *taps);
/* Makes the queues and the backends' ended flags what `state` says: a
 * name it does not list has an empty queue; a backend it does not list
 * (opened since) keeps its flag. The devices' view (their chardev's end
 * of input) follows; no device is woken (a restored device polls as its
 * own restored state says). */
void uart_taps_state_restore(UartTaps *taps, const UartTapsState *state);
void uart_taps_state_free(UartTapsState *state); /* NULL: nothing */

#endif
