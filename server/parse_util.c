/*
 * parse_util: shared parsing helpers (see parse_util.h).
 */
#include "parse_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sg_parse_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

bool sg_parse_name_allowed(const char *name, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(name, *allowed) == 0)
            return true;
    return false;
}
