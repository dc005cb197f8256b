/* `monitor` commands (gdb's qRcmd): handed whole to GdbTarget.monitor,
 * the simulator's monitor language (sim/monitor.h). The server keeps no
 * command table of its own, so gdb, the console and scenario files speak
 * one language with one help.
 */
#include "gdbstub/gdbstub_internal.h"

#include <stdlib.h>

void gdb_monitor_run(GdbServer *gs, const char *line, GdbBuf *out)
{
    const GdbTarget *t = &gs->target;
    if (!t->monitor) {
        gdb_buf_puts(out, "no monitor on this target\n");
        return;
    }
    char *text = t->monitor(t->opaque, line);
    if (!text)
        return;
    gdb_buf_puts(out, text);
    if (out->len && out->data[out->len - 1] != '\n')
        gdb_buf_puts(out, "\n"); /* gdb prints what follows on a new line */
    free(text);
}
