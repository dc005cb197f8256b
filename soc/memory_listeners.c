/* Listener lists of the memory system (map changes, code writes): a
 * listener may come or go while the list is being told. */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <string.h>

void listener_list_add(ListenerList *list, ListenerFn fn, void *opaque)
{
    list->items = xreallocarray(list->items, list->n + 1, sizeof *list->items);
    list->items[list->n++] = (Listener){fn, opaque};
}

/* A listener may remove itself or another while they are told. Shifting
 * the array then would skip the next one (a cache left holding pointers
 * the rebuild let go), so removal leaves a hole until all have heard. */
void listener_list_remove(ListenerList *list, ListenerFn fn, void *opaque)
{
    for (size_t i = 0; i < list->n; i++) {
        Listener *l = &list->items[i];
        if (l->fn != fn || l->opaque != opaque)
            continue;
        if (list->notifying) {
            l->fn = NULL;
            return;
        }
        memmove(l, l + 1, (list->n - i - 1) * sizeof *l);
        list->n--;
        return;
    }
}

void listener_list_notify(ListenerList *list,
                          void (*call)(const Listener *listener, void *arg),
                          void *arg)
{
    list->notifying++;
    /* By index and by copy: a listener added meanwhile may move the array
     * (and hears too). */
    for (size_t i = 0; i < list->n; i++) {
        Listener l = list->items[i];
        if (l.fn)
            call(&l, arg);
    }
    if (--list->notifying)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < list->n; i++)
        if (list->items[i].fn)
            list->items[kept++] = list->items[i];
    list->n = kept;
}
