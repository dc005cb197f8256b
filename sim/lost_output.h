/* An output whose loss must not go unnoticed (a UART's chardev, the trace
 * file, our stdout): its first failed write is said once on stderr
 * ("mcusim: chardev 'file:out.txt': cannot write: No space left on
 * device") and handed to the owner's handler (main stops the run and
 * exits 121); after that the output is dropped.
 *
 * Our stdout is one stream however many watch it (every `stdio` chardev,
 * main's last flush): its loss is said once per process, as "mcusim:
 * stdout: cannot write: ...", whoever meets it first; each watch still
 * calls its own handler. */
#ifndef SIM_LOST_OUTPUT_H
#define SIM_LOST_OUTPUT_H

#include <stdbool.h>

/* Called once per watch, after the line on stderr: `what` names the
 * output ("chardev 'file:out.txt'", "stdout", "--trace-file x"), `err`
 * is the errno. */
typedef void (*OutputLostFn)(void *opaque, const char *what, int err);

typedef struct OutputWatch {
    OutputLostFn fn; /* NULL: only the line on stderr */
    void *opaque;
    char *what;      /* malloc'd; output_watch_fini frees it */
    bool lost;       /* reported: nothing more is written */
    bool is_stdout;  /* said once per process (see above) */
} OutputWatch;

/* Takes `what` (malloc'd). */
void output_watch_init(OutputWatch *w, char *what, OutputLostFn fn, void *opaque);
/* A watch over our stdout, named "stdout". */
void output_watch_init_stdout(OutputWatch *w, OutputLostFn fn, void *opaque);
void output_watch_fini(OutputWatch *w);
/* The first call says it and calls the handler; `err` 0 (an error flag
 * with no errno to tell) reads as EIO. */
void output_lost(OutputWatch *w, int err);

/* Flushes stdout; a failure now, or an error flag a write on the way
 * left, is lost output (said once per process, then `fn`). False when
 * stdout lost output. */
bool output_flush_stdout(OutputLostFn fn, void *opaque);

#endif
