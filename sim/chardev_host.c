#include "sim/chardev_host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct StreamChardev {
    Chardev base;
    FILE *stream;
    bool owns_stream;
} StreamChardev;

static void stream_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    StreamChardev *s = (StreamChardev *)chr;
    fwrite(buf, 1, len, s->stream);
    /* Interactive output appears as the firmware prints a line. */
    if (len && buf[len - 1] == '\n' && !s->owns_stream)
        fflush(s->stream);
}

static void stream_close(Chardev *chr)
{
    StreamChardev *s = (StreamChardev *)chr;
    if (s->owns_stream)
        fclose(s->stream);
    else
        fflush(s->stream);
    free(s);
}

static const ChardevOps stream_ops = {.write = stream_write, .close = stream_close};

static void null_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void null_close(Chardev *chr) { free(chr); }
static const ChardevOps null_ops = {.write = null_write, .close = null_close};

static Chardev *stream_new(FILE *stream, bool owns)
{
    StreamChardev *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->base.ops = &stream_ops;
    s->stream = stream;
    s->owns_stream = owns;
    return &s->base;
}

Chardev *chardev_open(const char *spec, Error **errp)
{
    if (strcmp(spec, "stdio") == 0)
        return stream_new(stdout, false);
    if (strcmp(spec, "null") == 0) {
        Chardev *chr = calloc(1, sizeof *chr);
        if (!chr)
            abort();
        chr->ops = &null_ops;
        return chr;
    }
    if (strncmp(spec, "file:", 5) == 0 && spec[5]) {
        FILE *f = fopen(spec + 5, "wb");
        if (!f) {
            error_setf(errp, "chardev %s: cannot open: %s", spec, strerror(errno));
            return NULL;
        }
        return stream_new(f, true);
    }
    error_setf(errp, "unknown chardev '%s' (expected stdio, null or file:PATH)",
               spec);
    return NULL;
}
