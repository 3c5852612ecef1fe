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

bool sg_parse_safe_name(const char *s, size_t len, size_t max)
{
    if (len < 1 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}
