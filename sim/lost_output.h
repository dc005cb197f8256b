/* An output whose loss must not go unnoticed (a UART's chardev, the
 * trace): its first failed write is reported, once, to a handler (main
 * ends the run with status 121) or else as one line on stderr; after that
 * the output is dropped. */
#ifndef SIM_LOST_OUTPUT_H
#define SIM_LOST_OUTPUT_H

#include <stdbool.h>

/* `what` names the output ("chardev 'file:out.txt'", "--trace-file x"),
 * `err` is the errno. */
typedef void (*OutputLostFn)(void *opaque, const char *what, int err);

typedef struct OutputWatch {
    OutputLostFn fn; /* NULL: one line on stderr */
    void *opaque;
    char *what;      /* malloc'd; output_watch_fini frees it */
    bool lost;       /* reported: nothing more is written */
} OutputWatch;

/* Takes `what` (malloc'd). */
void output_watch_init(OutputWatch *w, char *what, OutputLostFn fn, void *opaque);
void output_watch_fini(OutputWatch *w);
/* The first call reports; `err` 0 (an error flag with no errno to tell)
 * reads as EIO. */
void output_lost(OutputWatch *w, int err);

#endif
