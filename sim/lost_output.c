#include "sim/lost_output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void output_watch_init(OutputWatch *w, char *what, OutputLostFn fn, void *opaque)
{
    *w = (OutputWatch){.fn = fn, .opaque = opaque, .what = what};
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
    if (w->fn)
        w->fn(w->opaque, w->what, err);
    else
        fprintf(stderr, "mcusim: %s: cannot write: %s\n", w->what, strerror(err));
}
