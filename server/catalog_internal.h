/*
 * catalog_internal: the compiled catalog, shared by the loader (catalog.c),
 * the value checks (catalog_check.c) and the formats (catalog_format.c).
 * Not part of the API: callers use catalog.h.
 */
#ifndef SG_CATALOG_INTERNAL_H
#define SG_CATALOG_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "catalog.h"

enum cat_kind { CAT_STRING = 0, CAT_INTEGER, CAT_NUMBER, CAT_BOOLEAN, CAT_ARRAY };

enum cat_format { FMT_NONE = 0, FMT_DATE_TIME, FMT_DATE, FMT_UUID };

/* Which keywords a scalar schema has. */
enum {
    HAS_MIN = 1u << 0,
    HAS_MAX = 1u << 1,
    HAS_XMIN = 1u << 2,
    HAS_XMAX = 1u << 3,
    HAS_MINLEN = 1u << 4,
    HAS_MAXLEN = 1u << 5,
    HAS_ENUM = 1u << 6,
    HAS_CONST = 1u << 7,
};

/* One value of an enum or const, as loaded. */
struct cat_value {
    enum sg_json_type type; /* STRING, NUMBER, TRUE, FALSE or NULL */
    const char *s;          /* decoded UTF-8 (may hold NUL bytes) */
    size_t len;
    long double num; /* exact for integers of the schema, double otherwise */
};

/* A scalar schema: a property of a scalar type, or an array's items. */
struct cat_scalar {
    enum cat_kind kind;
    bool nullable;
    unsigned has;
    long double min, max, xmin, xmax;
    char min_text[32], max_text[32], xmin_text[32], xmax_text[32]; /* as in messages */
    unsigned long long min_len, max_len;
    enum cat_format format;
    struct cat_value *values; /* enum or const (one value) */
    size_t n_values;
    size_t max_value_len; /* longest string value */
    char *values_text;    /* "\"EUR\", \"USD\"" for messages */
};

struct sg_catalog_prop {
    char *name;
    size_t name_len;
    struct cat_scalar s;     /* the property; kind CAT_ARRAY for an array */
    struct cat_scalar items; /* an array's items */
    bool has_min_items, has_max_items;
    unsigned long long min_items, max_items;
};

struct sg_catalog_type {
    char *name; /* event name */
    size_t name_len;
    bool closed;
    struct sg_catalog_prop *props;
    unsigned nprops;
    uint16_t *prop_table; /* prop index + 1; 0 = empty; size prop_mask + 1 */
    uint32_t prop_mask;
    unsigned *required;
    unsigned nrequired;
};

struct sg_catalog {
    atomic_size_t refs;
    struct sg_catalog_type *types;
    size_t ntypes;
    uint32_t *table; /* type index + 1; 0 = empty; size mask + 1 */
    uint32_t mask;
};

/* FNV-1a over s[0..n). */
static inline uint32_t sg_catalog_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Formats, on decoded UTF-8 text (ajv-formats 3.0.1, "full" mode). */
bool sg_catalog_format_date(const char *s, size_t n);
bool sg_catalog_format_date_time(const char *s, size_t n);
bool sg_catalog_format_uuid(const char *s, size_t n);

#endif
