/*
 * catalog: the loader (see catalog.h for what a catalog may say).
 *
 * Design
 *   Each document is read with jansson (numbers in a schema are bounds and
 *   enum values, where jansson's int64/double reading is what the checks
 *   need) and compiled into flat arrays: per type its properties, an
 *   open-addressing table from field name to property (load <= 1/2), and
 *   the indexes of its required fields; per catalog a table from event
 *   name to type. Lookups on the request path are one FNV-1a hash and
 *   usually one comparison. Documents are compiled in file-name order, so
 *   every error (and which of two conflicting files is named first) is the
 *   same on every machine.
 *
 *   Refusals are explicit rather than ignored: an unknown keyword, a
 *   keyword on a type it does not apply to, a nested object, `pattern`, a
 *   field name that cannot be a Glue/Athena column, an implied field or
 *   the lake's partition column `dt`, an enum value of another type, a
 *   field typed differently in two documents.
 *   Each message is "<file>: <JSON path>: <reason>".
 */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog_internal.h"

#define SCHEMA_URI "https://json-schema.org/draft/2020-12/schema"

/* Fields every event has (event.h) or gets: never declared by a type. */
static const char *const implied_fields[] = {
    "event_uuid", "event_name",    "created_at", "created_datetime",
    "event_type", "event_subtype", NULL};

static const char *const top_keys[] = {"type",    "properties",  "required", "additionalProperties",
                                       "title",   "description", "examples", "$comment",
                                       "$schema", "$id",         NULL};
static const char *const annotation_keys[] = {"title", "description", "examples", "$comment", NULL};

/* A keyword, the kinds it applies to (bit per cat_kind; 0: any). */
struct keyword {
    const char *name;
    unsigned kinds;
};

#define K(kind) (1u << (kind))
static const struct keyword prop_keywords[] = {
    {"type", 0},
    {"enum", K(CAT_STRING) | K(CAT_INTEGER) | K(CAT_NUMBER) | K(CAT_BOOLEAN)},
    {"const", K(CAT_STRING) | K(CAT_INTEGER) | K(CAT_NUMBER) | K(CAT_BOOLEAN)},
    {"minimum", K(CAT_INTEGER) | K(CAT_NUMBER)},
    {"maximum", K(CAT_INTEGER) | K(CAT_NUMBER)},
    {"exclusiveMinimum", K(CAT_INTEGER) | K(CAT_NUMBER)},
    {"exclusiveMaximum", K(CAT_INTEGER) | K(CAT_NUMBER)},
    {"minLength", K(CAT_STRING)},
    {"maxLength", K(CAT_STRING)},
    {"format", K(CAT_STRING)},
    {"items", K(CAT_ARRAY)},
    {"minItems", K(CAT_ARRAY)},
    {"maxItems", K(CAT_ARRAY)},
};

static const char *const kind_names[] = {"string", "integer", "number", "boolean", "array"};

/* Loader state: the document being compiled and where errors go. */
struct loader {
    const char *file;
    char *err;
    size_t cap;
    struct sg_buf path; /* JSON path of the value being compiled */
};

/* Every field name seen so far, for the one-type-per-name rule. */
struct field_seen {
    const char *name; /* borrowed from the compiled property */
    enum cat_kind kind, items_kind;
    const char *file;
};

__attribute__((format(printf, 2, 3))) static int lfail(struct loader *l, const char *fmt, ...)
{
    int n = snprintf(l->err, l->cap, "%s: %s: ", l->file, l->path.data ? l->path.data : "$");
    if (n < 0 || (size_t)n >= l->cap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Pushes ".key" (or "[i]" when key is NULL) on the path; returns the old
 * length for path_pop. Paths are short: their buffer has no practical limit. */
static size_t path_push(struct loader *l, const char *key, size_t i)
{
    size_t old = l->path.len;
    enum sg_buf_result rc =
        key ? sg_buf_printf(&l->path, ".%s", key) : sg_buf_printf(&l->path, "[%zu]", i);
    (void)rc; /* a path cut short by OOM only shortens a message */
    return old;
}

static void path_pop(struct loader *l, size_t old)
{
    sg_buf_truncate(&l->path, old);
}

static bool name_in(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Bytes of an event name: 1 for a part's characters, 2 for ':', 0 else.
 * (Every event is checked: one load per byte instead of a chain of tests.) */
static const unsigned char name_class[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1,
    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, [':'] = 2,
};

bool sg_catalog_valid_event_name(const char *s, size_t len)
{
    size_t start = 0; /* of the current part */
    if (len == 0 || len > SG_CATALOG_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char k = name_class[(unsigned char)s[i]];
        if (k == 0 || (k == 2 && (i == start || i - start > SG_CATALOG_PART_MAX)))
            return false;
        if (k == 2)
            start = i + 1;
    }
    return len > start && len - start <= SG_CATALOG_PART_MAX;
}

static bool valid_field_name(const char *s, size_t n)
{
    if (n == 0 || n > SG_CATALOG_FIELD_MAX || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* ---- type, bounds, enum ---------------------------------------------- */

static int kind_of(const char *name, enum cat_kind *k)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *k = (enum cat_kind)i;
            return 0;
        }
    return -1;
}

static int parse_type(struct loader *l, json_t *t, struct cat_scalar *s)
{
    static const char *const want =
        "type must be one of \"string\", \"integer\", \"number\", \"boolean\", \"array\", "
        "or a two-element array of one of them and \"null\"";
    const char *name = NULL;
    if (json_is_string(t)) {
        name = json_string_value(t);
    } else if (json_is_array(t) && json_array_size(t) == 2 &&
               json_is_string(json_array_get(t, 0)) && json_is_string(json_array_get(t, 1))) {
        const char *a = json_string_value(json_array_get(t, 0));
        const char *b = json_string_value(json_array_get(t, 1));
        if (strcmp(a, "null") == 0 && strcmp(b, "null") != 0)
            name = b;
        else if (strcmp(b, "null") == 0 && strcmp(a, "null") != 0)
            name = a;
        s->nullable = name != NULL;
    }
    if (name && strcmp(name, "object") == 0)
        return lfail(l, "nested objects are not supported: a type's fields are its top-level "
                        "fields, one column each; send flat fields");
    if (!name || kind_of(name, &s->kind) != 0)
        return lfail(l, "%s", want);
    return 0;
}

/* Shortest text that reads back as the same double. */
static void number_text(long double v, bool integer, char out[32])
{
    if (integer) {
        snprintf(out, 32, "%lld", (long long)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, (double)v);
        if (strtod(out, NULL) == (double)v)
            return;
    }
}

static int parse_bound(struct loader *l, json_t *v, long double *out, char text[32])
{
    if (!json_is_number(v))
        return lfail(l, "must be a number");
    if (json_is_integer(v))
        *out = (long double)json_integer_value(v);
    else
        *out = (long double)json_real_value(v);
    number_text(*out, json_is_integer(v), text);
    return 0;
}

static int parse_count(struct loader *l, json_t *v, unsigned long long *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return lfail(l, "must be a non-negative integer");
    *out = (unsigned long long)json_integer_value(v);
    return 0;
}

/* A JSON value (of enum/const) as the kind requires; filled into *cv. */
static int parse_value(struct loader *l, const struct cat_scalar *s, json_t *v,
                       struct cat_value *cv)
{
    memset(cv, 0, sizeof *cv);
    if (json_is_null(v)) {
        if (!s->nullable)
            return lfail(l, "null is not a value of this non-nullable %s", kind_names[s->kind]);
        cv->type = SG_JSON_NULL;
        return 0;
    }
    switch (s->kind) {
    case CAT_STRING:
        if (!json_is_string(v))
            break;
        cv->type = SG_JSON_STRING;
        cv->len = json_string_length(v);
        cv->s = strndup(json_string_value(v), cv->len); /* the document is freed after loading */
        return cv->s ? 0 : lfail(l, "out of memory");
    case CAT_BOOLEAN:
        if (!json_is_boolean(v))
            break;
        cv->type = json_is_true(v) ? SG_JSON_TRUE : SG_JSON_FALSE;
        return 0;
    case CAT_INTEGER:
        if (json_is_integer(v)) {
            cv->type = SG_JSON_NUMBER;
            cv->num = (long double)json_integer_value(v);
            return 0;
        }
        if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
            fabs(json_real_value(v)) < 9223372036854775807.0) {
            cv->type = SG_JSON_NUMBER;
            cv->num = (long double)json_real_value(v);
            return 0;
        }
        break;
    case CAT_NUMBER:
        if (!json_is_number(v))
            break;
        cv->type = SG_JSON_NUMBER;
        cv->num = (long double)json_number_value(v);
        return 0;
    case CAT_ARRAY:
        break;
    }
    return lfail(l, "must be a value of the declared type (%s%s)", kind_names[s->kind],
                 s->nullable ? " or null" : "");
}

/* enum (array) or const (one value): the values and their message text. */
static int parse_values(struct loader *l, struct cat_scalar *s, json_t *v, bool is_const)
{
    if (s->n_values)
        return lfail(l, "enum and const together: use one of them");
    size_t n = is_const ? 1 : json_array_size(v);
    if (!is_const && (!json_is_array(v) || n == 0))
        return lfail(l, "must be a non-empty array of values");
    s->values = calloc(n, sizeof *s->values);
    struct sg_buf text;
    sg_buf_init(&text, 4096);
    int rc = s->values ? 0 : lfail(l, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *x = is_const ? v : json_array_get(v, i);
        size_t old = is_const ? l->path.len : path_push(l, NULL, i);
        rc = parse_value(l, s, x, &s->values[i]);
        path_pop(l, old);
        if (rc == 0 && s->values[i].len > s->max_value_len)
            s->max_value_len = s->values[i].len;
        char *dump = rc == 0 ? json_dumps(x, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
        if (dump) { /* a message too long for the client's 192 bytes is cut there */
            enum sg_buf_result r = sg_buf_printf(&text, "%s%s", i ? ", " : "", dump);
            (void)r;
            free(dump);
        }
    }
    s->n_values = n;
    s->values_text = text.data ? text.data : strdup("");
    s->has |= is_const ? HAS_CONST : HAS_ENUM;
    return rc;
}

/* ---- property schemas ------------------------------------------------ */

static const struct keyword *find_keyword(const char *name)
{
    for (size_t i = 0; i < sizeof prop_keywords / sizeof prop_keywords[0]; i++)
        if (strcmp(prop_keywords[i].name, name) == 0)
            return &prop_keywords[i];
    return NULL;
}

static int unsupported(struct loader *l, const char *key)
{
    if (strcmp(key, "pattern") == 0 || strcmp(key, "patternProperties") == 0)
        return lfail(l, "keyword not supported (regular expressions: the gateway cannot keep "
                        "ECMA-262 semantics with PCRE2, so patterns are refused; use enum or "
                        "format)");
    if (strcmp(key, "properties") == 0 || strcmp(key, "additionalProperties") == 0 ||
        strcmp(key, "required") == 0)
        return lfail(l, "keyword not supported (nested objects are not supported: one column "
                        "per top-level field; send flat fields)");
    return lfail(l, "keyword not supported");
}

static int parse_format(struct loader *l, json_t *v, struct cat_scalar *s)
{
    const char *f = json_is_string(v) ? json_string_value(v) : "";
    if (strcmp(f, "date-time") == 0)
        s->format = FMT_DATE_TIME;
    else if (strcmp(f, "date") == 0)
        s->format = FMT_DATE;
    else if (strcmp(f, "uuid") == 0)
        s->format = FMT_UUID;
    else
        return lfail(l, "format must be \"date-time\", \"date\" or \"uuid\"");
    return 0;
}

static int parse_prop(struct loader *l, json_t *obj, struct sg_catalog_prop *p, bool is_items);

/* One keyword of a property schema whose kind is known. */
static int parse_keyword(struct loader *l, const char *key, json_t *v, struct sg_catalog_prop *p,
                         struct cat_scalar *s, bool is_items)
{
    if (strcmp(key, "type") == 0 || name_in(key, annotation_keys))
        return 0;
    const struct keyword *kw = find_keyword(key);
    if (!kw)
        return unsupported(l, key);
    if (kw->kinds && !(kw->kinds & K(s->kind)))
        return lfail(l, "%s does not apply to type %s", key, kind_names[s->kind]);
    if (strcmp(key, "enum") == 0 || strcmp(key, "const") == 0)
        return parse_values(l, s, v, key[0] == 'c');
    if (strcmp(key, "minimum") == 0)
        return s->has |= HAS_MIN, parse_bound(l, v, &s->min, s->min_text);
    if (strcmp(key, "maximum") == 0)
        return s->has |= HAS_MAX, parse_bound(l, v, &s->max, s->max_text);
    if (strcmp(key, "exclusiveMinimum") == 0)
        return s->has |= HAS_XMIN, parse_bound(l, v, &s->xmin, s->xmin_text);
    if (strcmp(key, "exclusiveMaximum") == 0)
        return s->has |= HAS_XMAX, parse_bound(l, v, &s->xmax, s->xmax_text);
    if (strcmp(key, "minLength") == 0)
        return s->has |= HAS_MINLEN, parse_count(l, v, &s->min_len);
    if (strcmp(key, "maxLength") == 0)
        return s->has |= HAS_MAXLEN, parse_count(l, v, &s->max_len);
    if (strcmp(key, "format") == 0)
        return parse_format(l, v, s);
    if (is_items) /* items, minItems, maxItems inside items: an array of arrays */
        return lfail(l, "arrays of arrays are not supported");
    if (strcmp(key, "minItems") == 0)
        return p->has_min_items = true, parse_count(l, v, &p->min_items);
    if (strcmp(key, "maxItems") == 0)
        return p->has_max_items = true, parse_count(l, v, &p->max_items);
    /* items: a scalar property schema */
    struct sg_catalog_prop inner = {0};
    if (parse_prop(l, v, &inner, true) != 0) {
        p->items = inner.s; /* freed with p */
        return -1;
    }
    p->items = inner.s;
    return 0;
}

/* A property schema (or, is_items, an array's items) at l->path. */
static int parse_prop(struct loader *l, json_t *obj, struct sg_catalog_prop *p, bool is_items)
{
    if (!json_is_object(obj))
        return lfail(l, "a property schema must be an object with a type");
    json_t *t = json_object_get(obj, "type");
    if (!t)
        return lfail(l, "type is required (a column needs a type)");
    size_t old = path_push(l, "type", 0);
    int rc = parse_type(l, t, &p->s);
    path_pop(l, old);
    if (rc != 0)
        return -1;
    if (is_items && p->s.kind == CAT_ARRAY)
        return lfail(l, "arrays of arrays are not supported: items must be a scalar type");
    if (p->s.kind == CAT_ARRAY && !json_object_get(obj, "items"))
        return lfail(l, "items is required for an array (the type of its elements)");
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        old = path_push(l, key, 0);
        rc = parse_keyword(l, key, v, p, &p->s, is_items);
        path_pop(l, old);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- documents ------------------------------------------------------- */

static void free_scalar(struct cat_scalar *s)
{
    for (size_t i = 0; s->values && i < s->n_values; i++)
        free((char *)s->values[i].s);
    free(s->values);
    free(s->values_text);
}

static void free_type(struct sg_catalog_type *t)
{
    for (unsigned i = 0; i < t->nprops; i++) {
        free(t->props[i].name);
        free_scalar(&t->props[i].s);
        free_scalar(&t->props[i].items);
    }
    free(t->props);
    free(t->prop_table);
    free(t->required);
    free(t->name);
}

static uint32_t table_size(size_t n)
{
    uint32_t size = 4;
    while (size < 2 * n)
        size *= 2;
    return size;
}

static int build_prop_table(struct sg_catalog_type *t)
{
    uint32_t size = table_size(t->nprops);
    t->prop_table = calloc(size, sizeof *t->prop_table);
    if (!t->prop_table)
        return -1;
    t->prop_mask = size - 1;
    for (unsigned i = 0; i < t->nprops; i++) {
        uint32_t h = sg_catalog_hash(t->props[i].name, t->props[i].name_len) & t->prop_mask;
        while (t->prop_table[h])
            h = (h + 1) & t->prop_mask;
        t->prop_table[h] = (uint16_t)(i + 1);
    }
    return 0;
}

static int parse_properties(struct loader *l, json_t *props, struct sg_catalog_type *t)
{
    if (!json_is_object(props))
        return lfail(l, "properties must be an object");
    if (json_object_size(props) > SG_CATALOG_MAX_PROPS)
        return lfail(l, "more than %d properties", SG_CATALOG_MAX_PROPS);
    t->props = calloc(json_object_size(props) + 1, sizeof *t->props);
    if (!t->props)
        return lfail(l, "out of memory");
    const char *key;
    json_t *v;
    json_object_foreach(props, key, v)
    {
        size_t old = path_push(l, key, 0), n = strlen(key);
        if (name_in(key, implied_fields))
            return lfail(l,
                         "%s is implied, do not declare it (common and derived fields are "
                         "part of every event)",
                         key);
        if (strcmp(key, "dt") == 0)
            return lfail(l, "dt is the lake's partition column (the day of created_datetime), "
                            "do not declare it");
        if (!valid_field_name(key, n))
            return lfail(l, "field name must be a Glue/Athena column: a lowercase letter, then "
                            "up to 127 lowercase letters, digits or '_' (^[a-z][a-z0-9_]{0,127}$)");
        struct sg_catalog_prop *p = &t->props[t->nprops++];
        p->name = strdup(key);
        p->name_len = n;
        if (!p->name)
            return lfail(l, "out of memory");
        if (parse_prop(l, v, p, false) != 0)
            return -1;
        path_pop(l, old);
    }
    return build_prop_table(t) == 0 ? 0 : lfail(l, "out of memory");
}

static int parse_required(struct loader *l, json_t *req, struct sg_catalog_type *t)
{
    if (!json_is_array(req))
        return lfail(l, "required must be an array of field names");
    t->required = calloc(json_array_size(req) + 1, sizeof *t->required);
    if (!t->required)
        return lfail(l, "out of memory");
    size_t i;
    json_t *v;
    json_array_foreach(req, i, v)
    {
        size_t old = path_push(l, NULL, i);
        unsigned idx;
        const struct sg_catalog_prop *p = NULL;
        if (json_is_string(v)) {
            char tok[SG_CATALOG_FIELD_MAX + 3];
            size_t n = json_string_length(v);
            const char *name = json_string_value(v);
            if (n <= SG_CATALOG_FIELD_MAX && !memchr(name, '\\', n)) {
                tok[0] = '"'; /* the lookup takes a JSON string token */
                memcpy(tok + 1, name, n);
                tok[n + 1] = '"';
                p = sg_catalog_type_prop(t, (struct sg_json_span){tok, n + 2}, &idx);
            }
        }
        if (!json_is_string(v))
            return lfail(l, "must be a field name");
        if (!p)
            return lfail(l,
                         "%s is not declared in properties (implied fields are always "
                         "required; declare the others)",
                         json_string_value(v));
        for (unsigned j = 0; j < t->nrequired; j++)
            if (t->required[j] == idx)
                return lfail(l, "%s is listed twice", json_string_value(v));
        t->required[t->nrequired++] = idx;
        path_pop(l, old);
    }
    return 0;
}

static int check_top_annotations(struct loader *l, json_t *doc)
{
    json_t *v;
    static const char *const strings[] = {"title", "description", "$comment", "$id", NULL};
    for (size_t i = 0; strings[i]; i++)
        if ((v = json_object_get(doc, strings[i])) && !json_is_string(v)) {
            size_t old = path_push(l, strings[i], 0);
            lfail(l, "must be a string");
            path_pop(l, old);
            return -1;
        }
    if ((v = json_object_get(doc, "$schema")) &&
        !(json_is_string(v) && strcmp(json_string_value(v), SCHEMA_URI) == 0)) {
        path_push(l, "$schema", 0);
        return lfail(l, "must be \"" SCHEMA_URI "\" (draft 2020-12) or absent");
    }
    return 0;
}

/* One document into *t (name already set). */
static int compile_doc(struct loader *l, json_t *doc, struct sg_catalog_type *t)
{
    if (!json_is_object(doc))
        return lfail(l, "a schema document must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (!name_in(key, top_keys)) {
            path_push(l, key, 0);
            return unsupported(l, key);
        }
    }
    if (check_top_annotations(l, doc) != 0)
        return -1;
    v = json_object_get(doc, "type");
    if (!json_is_string(v) || strcmp(json_string_value(v), "object") != 0) {
        path_push(l, "type", 0);
        return lfail(l, "type must be \"object\" (an event is a JSON object)");
    }
    t->closed = false;
    if ((v = json_object_get(doc, "additionalProperties"))) {
        if (!json_is_boolean(v)) {
            path_push(l, "additionalProperties", 0);
            return lfail(l, "must be true or false");
        }
        t->closed = json_is_false(v);
    }
    json_t *props = json_object_get(doc, "properties"), *none = props ? NULL : json_object();
    size_t old = path_push(l, "properties", 0);
    int rc =
        (props || none) ? parse_properties(l, props ? props : none, t) : lfail(l, "out of memory");
    json_decref(none);
    path_pop(l, old);
    if (rc != 0)
        return -1;
    if ((v = json_object_get(doc, "required"))) {
        old = path_push(l, "required", 0);
        rc = parse_required(l, v, t);
        path_pop(l, old);
    } else {
        t->required = calloc(1, sizeof *t->required);
        rc = t->required ? 0 : lfail(l, "out of memory");
    }
    return rc;
}

/* The event name a file stands for: its base name without ".json", '.' as
 * ':'. Returns NULL (with the error) when that is not a valid event name. */
static char *name_of_file(struct loader *l, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n < 6 || strcmp(base + n - 5, ".json") != 0) {
        lfail(l, "a catalog file is named <event name with ':' as '.'>.json");
        return NULL;
    }
    char *name = strndup(base, n - 5);
    if (!name) {
        lfail(l, "out of memory");
        return NULL;
    }
    for (char *c = name; *c; c++)
        if (*c == '.')
            *c = ':';
    if (!sg_catalog_valid_event_name(name, n - 5)) {
        lfail(l,
              "the file name is not an event name with ':' written '.': each part 1-%d "
              "characters of a-z, 0-9 and '_', at most %d bytes in all",
              SG_CATALOG_PART_MAX, SG_CATALOG_NAME_MAX);
        free(name);
        return NULL;
    }
    return name;
}

/* The one-type-per-field-name rule across documents (the lake has one
 * column per name). `seen` grows by the type's properties. */
static int check_field_types(struct loader *l, const struct sg_catalog_type *t,
                             struct field_seen **seenp, size_t *n_seen)
{
    struct field_seen *seen = realloc(*seenp, (*n_seen + t->nprops + 1) * sizeof *seen);
    if (!seen)
        return lfail(l, "out of memory");
    *seenp = seen;
    for (unsigned i = 0; i < t->nprops; i++) {
        const struct sg_catalog_prop *p = &t->props[i];
        enum cat_kind items = p->s.kind == CAT_ARRAY ? p->items.kind : CAT_STRING;
        bool found = false;
        for (size_t j = 0; j < *n_seen && !found; j++) {
            const struct field_seen *f = &seen[j];
            if (strcmp(f->name, p->name) != 0)
                continue;
            found = true;
            if (f->kind != p->s.kind || (p->s.kind == CAT_ARRAY && f->items_kind != items)) {
                sg_buf_reset(&l->path);
                if (sg_buf_append_char(&l->path, '$') != SG_BUF_OK)
                    return lfail(l, "out of memory");
                path_push(l, "properties", 0);
                path_push(l, p->name, 0);
                return lfail(l,
                             "field %s is declared %s%s%s here and %s%s%s in %s: a field name "
                             "has one type in the whole catalog (one column per name)",
                             p->name, kind_names[p->s.kind], p->s.kind == CAT_ARRAY ? " of " : "",
                             p->s.kind == CAT_ARRAY ? kind_names[items] : "", kind_names[f->kind],
                             f->kind == CAT_ARRAY ? " of " : "",
                             f->kind == CAT_ARRAY ? kind_names[f->items_kind] : "", f->file);
            }
        }
        if (!found)
            seen[(*n_seen)++] = (struct field_seen){p->name, p->s.kind, items, l->file};
    }
    return 0;
}

static int by_file(const void *a, const void *b)
{
    return strcmp(((const struct sg_catalog_source *)a)->file,
                  ((const struct sg_catalog_source *)b)->file);
}

static int build_type_table(struct sg_catalog *c)
{
    uint32_t size = table_size(c->ntypes);
    c->table = calloc(size, sizeof *c->table);
    if (!c->table)
        return -1;
    c->mask = size - 1;
    for (size_t i = 0; i < c->ntypes; i++) {
        uint32_t h = sg_catalog_hash(c->types[i].name, c->types[i].name_len) & c->mask;
        while (c->table[h])
            h = (h + 1) & c->mask;
        c->table[h] = (uint32_t)(i + 1);
    }
    return 0;
}

/* One source into c->types[c->ntypes]. */
static int compile_source(struct loader *l, const struct sg_catalog_source *src,
                          struct sg_catalog *c, struct field_seen **seen, size_t *n_seen)
{
    json_error_t jerr;
    sg_buf_reset(&l->path);
    if (sg_buf_append_char(&l->path, '$') != SG_BUF_OK)
        return lfail(l, "out of memory");
    l->file = src->file;
    struct sg_catalog_type *t = &c->types[c->ntypes];
    memset(t, 0, sizeof *t);
    t->name = name_of_file(l, src->file);
    if (!t->name)
        return -1;
    c->ntypes++; /* owned by c from here on, freed with it on failure */
    t->name_len = strlen(t->name);
    if (sg_catalog_find(c, t->name, t->name_len))
        return lfail(l, "event type %s is defined twice", t->name);
    json_t *doc = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return lfail(l, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    int rc = compile_doc(l, doc, t);
    json_decref(doc);
    if (rc == 0)
        rc = check_field_types(l, t, seen, n_seen);
    return rc;
}

struct sg_catalog *sg_catalog_new(const struct sg_catalog_source *src, size_t n, char *err,
                                  size_t cap)
{
    struct loader l = {"catalog", err, cap, {0}};
    struct sg_catalog *c = calloc(1, sizeof *c);
    struct sg_catalog_source *sorted = malloc((n + 1) * sizeof *sorted);
    size_t n_seen = 0;
    struct field_seen *seen = NULL;
    sg_buf_init(&l.path, 4096);
    if (!c || !sorted)
        goto oom;
    atomic_init(&c->refs, 1);
    if (n == 0) {
        lfail(&l, "no event types (no *.json file)");
        goto fail;
    }
    if (n > SG_CATALOG_MAX_TYPES) {
        lfail(&l, "more than %d event types", SG_CATALOG_MAX_TYPES);
        goto fail;
    }
    memcpy(sorted, src, n * sizeof *src);
    qsort(sorted, n, sizeof *sorted, by_file);
    c->types = calloc(n, sizeof *c->types);
    if (!c->types || build_type_table(c) != 0)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (compile_source(&l, &sorted[i], c, &seen, &n_seen) != 0)
            goto fail;
        free(c->table); /* rebuilt so that the twice-defined check sees it */
        if (build_type_table(c) != 0)
            goto oom;
    }
    free(seen);
    free(sorted);
    sg_buf_free(&l.path);
    return c;
oom:
    snprintf(err, cap, "catalog: out of memory");
fail:
    free(seen);
    free(sorted);
    sg_buf_free(&l.path);
    sg_catalog_release(c);
    return NULL;
}

/* ---- the directory --------------------------------------------------- */

static int read_file(const char *path, struct sg_buf *out, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char why[128];
        int e = errno;
        strerror_r(e, why, sizeof why);
        snprintf(err, cap, "%s: cannot open: %s", path, why);
        return -1;
    }
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sg_buf_append(out, chunk, n) != SG_BUF_OK) {
            snprintf(err, cap, "%s: larger than %d bytes", path, SG_CATALOG_MAX_DOC);
            rc = -1;
        }
    fclose(f);
    return rc;
}

static bool is_catalog_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

struct sg_catalog *sg_catalog_load(const char *dir, char *err, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        char why[128];
        int e = errno;
        strerror_r(e, why, sizeof why);
        snprintf(err, cap, "catalog %s: cannot open the directory: %s", dir, why);
        return NULL;
    }
    struct sg_catalog_source *src = NULL;
    struct sg_buf *texts = NULL;
    size_t n = 0, cap_n = 0;
    struct sg_catalog *c = NULL;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (!is_catalog_file(e->d_name))
            continue;
        if (n == cap_n) {
            cap_n = cap_n ? 2 * cap_n : 32;
            if (cap_n > SG_CATALOG_MAX_TYPES + 1) {
                snprintf(err, cap, "catalog %s: more than %d event types", dir,
                         SG_CATALOG_MAX_TYPES);
                rc = -1;
                break;
            }
            void *a = realloc(src, cap_n * sizeof *src), *b = realloc(texts, cap_n * sizeof *texts);
            if (a)
                src = a;
            if (b)
                texts = b;
            if (!a || !b) {
                snprintf(err, cap, "catalog %s: out of memory", dir);
                rc = -1;
                break;
            }
        }
        sg_buf_init(&texts[n], SG_CATALOG_MAX_DOC);
        struct sg_buf path;
        sg_buf_init(&path, 0);
        if (sg_buf_printf(&path, "%s/%s", dir, e->d_name) != SG_BUF_OK) {
            snprintf(err, cap, "catalog %s: out of memory", dir);
            rc = -1;
        } else {
            rc = read_file(path.data, &texts[n], err, cap);
        }
        src[n].file = path.data; /* owned here; freed below */
        src[n].text = texts[n].data ? texts[n].data : "";
        src[n].len = texts[n].len;
        n++;
    }
    closedir(d);
    if (rc == 0)
        c = n ? sg_catalog_new(src, n, err, cap) : NULL;
    if (rc == 0 && n == 0)
        snprintf(err, cap, "catalog %s: no event types (no *.json file)", dir);
    for (size_t i = 0; i < n; i++) {
        free((char *)src[i].file);
        sg_buf_free(&texts[i]);
    }
    free(src);
    free(texts);
    return c;
}

/* ---- lookups --------------------------------------------------------- */

struct sg_catalog *sg_catalog_ref(struct sg_catalog *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void sg_catalog_release(struct sg_catalog *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    for (size_t i = 0; i < c->ntypes; i++)
        free_type(&c->types[i]);
    free(c->types);
    free(c->table);
    free(c);
}

size_t sg_catalog_count(const struct sg_catalog *c)
{
    return c->ntypes;
}

const struct sg_catalog_type *sg_catalog_find(const struct sg_catalog *c, const char *s, size_t len)
{
    if (!c->table)
        return NULL;
    for (uint32_t h = sg_catalog_hash(s, len) & c->mask; c->table[h]; h = (h + 1) & c->mask) {
        const struct sg_catalog_type *t = &c->types[c->table[h] - 1];
        if (t->name_len == len && memcmp(t->name, s, len) == 0)
            return t;
    }
    return NULL;
}

const char *sg_catalog_type_name(const struct sg_catalog_type *t)
{
    return t->name;
}

bool sg_catalog_type_closed(const struct sg_catalog_type *t)
{
    return t->closed;
}

const struct sg_catalog_prop *sg_catalog_type_prop(const struct sg_catalog_type *t,
                                                   struct sg_json_span key, unsigned *index)
{
    char buf[SG_CATALOG_FIELD_MAX];
    const char *s = key.ptr + 1;
    size_t n = key.len - 2;
    if (!t->prop_table || key.len < 2)
        return NULL;
    if (memchr(s, '\\', n)) { /* a declared name has no escape once decoded */
        if (sg_json_string_decode_to(key, buf, sizeof buf, &n) != 0)
            return NULL;
        s = buf;
    }
    for (uint32_t h = sg_catalog_hash(s, n) & t->prop_mask; t->prop_table[h];
         h = (h + 1) & t->prop_mask) {
        unsigned i = t->prop_table[h] - 1u;
        if (t->props[i].name_len == n && memcmp(t->props[i].name, s, n) == 0) {
            *index = i;
            return &t->props[i];
        }
    }
    return NULL;
}

const char *sg_catalog_prop_name(const struct sg_catalog_prop *p)
{
    return p->name;
}

unsigned sg_catalog_type_nrequired(const struct sg_catalog_type *t)
{
    return t->nrequired;
}

unsigned sg_catalog_type_required(const struct sg_catalog_type *t, unsigned i)
{
    return t->required[i];
}

const struct sg_catalog_prop *sg_catalog_type_prop_at(const struct sg_catalog_type *t, unsigned i)
{
    return &t->props[i];
}
