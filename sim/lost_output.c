#include "sim/lost_output.h"
#include "soc/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether the loss of our stdout was said. Process-wide state on purpose:
 * it describes stdout, which is process-wide, and lets every watch of it
 * (each stdio chardev, main) report it without knowing of the others. */
static bool stdout_loss_said;

void output_watch_init(OutputWatch *w, char *what, OutputLostFn fn, void *opaque)
{
    *w = (OutputWatch){.fn = fn, .opaque = opaque, .what = what};
}

void output_watch_init_stdout(OutputWatch *w, OutputLostFn fn, void *opaque)
{
    output_watch_init(w, xstrdup("stdout"), fn, opaque);
    w->is_stdout = true;
}

void output_watch_fini(OutputWatch *w)
{
    free(w->what);
    w->what = NULL;
}

void output_lost(OutputWatch *w, int err)
{
    if (w->lost)
        return;
    w->lost = true;
    if (!err)
        err = EIO;
    if (!w->is_stdout || !stdout_loss_said)
        fprintf(stderr, "mcusim: %s: cannot write: %s\n", w->what, strerror(err));
    if (w->is_stdout)
        stdout_loss_said = true;
    if (w->fn)
        w->fn(w->opaque, w->what, err);
}

bool output_flush_stdout(OutputLostFn fn, void *opaque)
{
    OutputWatch w;
    output_watch_init_stdout(&w, fn, opaque);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        output_lost(&w, errno);
    bool ok = !w.lost;
    output_watch_fini(&w);
    return ok;
}
