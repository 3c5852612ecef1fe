/*
 * json_iter: navigation over validated spans: types, iterators (jumping
 * over nested containers with the structural index), string comparison,
 * member lookup (see json_scan.h).
 *
 * Navigation (here, json_decode.c, json_compact.c) trusts that its spans
 * come from a validated document and does not re-check the grammar. The
 * design of the index the iterators jump with is in json_validate.c.
 */
#include "json_scan_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sg_json_type sg_json_type_of(struct sg_json_span v)
{
    if (v.len == 0)
        return SG_JSON_INVALID;
    switch (v.ptr[0]) {
    case '{':
        return SG_JSON_OBJECT;
    case '[':
        return SG_JSON_ARRAY;
    case '"':
        return SG_JSON_STRING;
    case 't':
        return SG_JSON_TRUE;
    case 'f':
        return SG_JSON_FALSE;
    case 'n':
        return SG_JSON_NULL;
    default:
        return v.ptr[0] == '-' || is_digit(v.ptr[0]) ? SG_JSON_NUMBER : SG_JSON_INVALID;
    }
}

/* Returns the end of the string token at p (a quote). The span was
 * validated, so the first quote not escaped ends the string. Eight bytes a
 * time where the machine is little-endian (no call: event strings are
 * short); elsewhere memchr finds candidates, and a quote is escaped exactly
 * when an odd run of backslashes precedes it. */
const char *sg_json_skip_string(const char *p, const char *end)
{
    const char *q = p + 1;
#if SWAR_STRINGS
    /* The first '"' or '\\' eight bytes a time; a backslash skips the byte
     * it escapes (validated: \uXXXX's digits are neither). */
    for (;;) {
        while (end - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            uint64_t hit = lanes_equal(w, '"') | lanes_equal(w, '\\');
            if (hit) {
                q += __builtin_ctzll(hit) / 8;
                break;
            }
            q += 8;
        }
        while (q < end && *q != '"' && *q != '\\')
            q++;
        if (q >= end)
            return end;
        if (*q == '"')
            return q + 1;
        if (end - q <= 2)
            return end;
        q += 2;
    }
#else
    const char *from = q; /* the byte before `from` is always a quote */
    while (from < end) {
        const char *e = memchr(from, '"', (size_t)(end - from));
        if (!e)
            return end;
        const char *b = e;
        while (b > from && b[-1] == '\\')
            b--;
        if (((e - b) & 1) == 0)
            return e + 1;
        from = e + 1;
    }
    return end;
#endif
}

const char *sg_json_plain_string_end(const char *p, const char *end)
{
    if (p >= end || *p != '"')
        return NULL;
    p = plain_lanes(p + 1, end); /* the first byte that is not plain, eight a time */
    while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
           *p != '\\')
        p++;
    return p < end && *p == '"' ? p + 1 : NULL;
}

/* Bytes skip_value must look at inside a container. */
static const bool structural[256] = {
    ['"'] = true, ['{'] = true, ['['] = true, ['}'] = true, [']'] = true};

const char *sg_json_skip_value(const char *p, const char *end)
{
    if (p >= end)
        return end;
    if (*p == '"')
        return sg_json_skip_string(p, end);
    if (*p != '{' && *p != '[') { /* scalar: runs to the next delimiter */
        while (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']' && *p != ':')
            p++;
        return p;
    }
    size_t depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = sg_json_skip_string(p, end);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return p + 1;
        p++;
        /* Numbers, literals, ',' and ':' between the structural bytes. */
        while (p < end && !structural[(unsigned char)*p])
            p++;
    }
    return end;
}

/* The end of the container value at p, from the iterator's cursor, or NULL
 * when the index cannot vouch for it (the caller then scans). */
static const char *index_jump(struct sg_json_iter *it, const char *p)
{
    const struct sg_json_index *x = it->_idx;
    if (!x || it->_next >= x->_n)
        return NULL;
    const struct sg_json_index_ent *e = &x->_ents[it->_next];
    /* p lies inside the iterated container, hence inside the document. */
    if ((uintptr_t)p - (uintptr_t)x->_base != e->start)
        return NULL;
    const char *q = x->_base + (e->end & END_MASK);
    if (q <= p || q > it->_end)
        return NULL;
    it->_last = it->_next;
    it->_next = e->next;
    return q;
}

/* The end of the value at p: jumped when it is an indexed container. */
static inline const char *iter_skip_value(struct sg_json_iter *it, const char *p, const char *end)
{
    it->_last = NO_ENT;
    if (it->_idx && p < end && (*p == '{' || *p == '[')) {
        const char *q = index_jump(it, p);
        if (q)
            return q;
    }
    return sg_json_skip_value(p, end);
}

void sg_json_iter_init(struct sg_json_iter *it, struct sg_json_span container)
{
    it->_idx = NULL;
    it->_next = 0;
    it->_ent = it->_last = NO_ENT;
    it->_members = false;
    if (container.len >= 2 && (container.ptr[0] == '{' || container.ptr[0] == '[')) {
        it->_pos = container.ptr + 1;
        it->_end = container.ptr + container.len - 1; /* the closing bracket */
    } else {
        it->_pos = it->_end = container.ptr;
    }
}

/* Iterates with entry e of idx, which the caller matched to the container. */
static void iter_use_entry(struct sg_json_iter *it, const struct sg_json_index *idx, unsigned e)
{
    it->_idx = idx;
    it->_ent = e;
    it->_next = e + 1; /* pre-order: the first container inside, if any */
    /* An object whose members the validator recorded: read, not scanned. */
    it->_mem = idx->_ents[e].first;
    it->_members = it->_mem != NO_MEMBER;
}

void sg_json_iter_init_indexed(struct sg_json_iter *it, struct sg_json_span container,
                               const struct sg_json_index *idx)
{
    sg_json_iter_init(it, container);
    unsigned e = it->_pos != it->_end ? sg_json_index_find(idx, container) : NO_ENT;
    if (e != NO_ENT)
        iter_use_entry(it, idx, e);
}

void sg_json_iter_init_child(struct sg_json_iter *it, const struct sg_json_iter *parent,
                             struct sg_json_span v)
{
    const struct sg_json_index *x = parent->_idx;
    unsigned e = parent->_last;
    if (!x || e == NO_ENT || e >= x->_n) {
        sg_json_iter_init_indexed(it, v, x);
        return;
    }
    /* Checked as sg_json_index_find checks: exactly v's span. */
    const struct sg_json_index_ent *ent = &x->_ents[e];
    uintptr_t p = (uintptr_t)v.ptr, base = (uintptr_t)x->_base;
    if (v.len < 2 || p < base || p - base != ent->start ||
        (ent->end & END_MASK) != ent->start + v.len) {
        sg_json_iter_init_indexed(it, v, x);
        return;
    }
    sg_json_iter_init(it, v);
    iter_use_entry(it, x, e);
}

bool sg_json_iter_is_compact(const struct sg_json_iter *it)
{
    return it->_ent != NO_ENT && !(it->_idx->_ents[it->_ent].end & END_WS);
}

/* The member walk over the bytes (no recorded members). Apart, so the
 * recorded walk's path saves no registers. */
static __attribute__((noinline)) bool
object_next_scan(struct sg_json_iter *it, struct sg_json_span *key, struct sg_json_span *value)
{
    const char *end = it->_end;
    const char *p = skip_ws(it->_pos, end);
    if (p < end && *p == ',')
        p = skip_ws(p + 1, end);
    if (p >= end || *p != '"') {
        it->_pos = end;
        return false;
    }
    key->ptr = p;
    p = sg_json_skip_string(p, end);
    key->len = (size_t)(p - key->ptr);
    p = skip_ws(p, end);
    if (p < end && *p == ':')
        p = skip_ws(p + 1, end);
    value->ptr = p;
    p = iter_skip_value(it, p, end);
    value->len = (size_t)(p - value->ptr);
    it->_pos = p;
    return true;
}

bool sg_json_object_next(struct sg_json_iter *it, struct sg_json_span *key,
                         struct sg_json_span *value)
{
    if (!it->_members)
        return object_next_scan(it, key, value);
    if (it->_mem == NO_MEMBER) {
        it->_pos = it->_end;
        return false;
    }
    const struct sg_json_index_member *m = &it->_idx->_mem[it->_mem];
    const char *base = it->_idx->_base;
    key->ptr = base + m->key_off;
    key->len = m->key_len & ~KEY_ESCAPED;
    value->ptr = base + m->val_off;
    value->len = m->val_len;
    it->_last = m->val_ent;
    it->_mem = m->next;
    return true;
}

bool sg_json_array_next(struct sg_json_iter *it, struct sg_json_span *value)
{
    const char *end = it->_end;
    const char *p = skip_ws(it->_pos, end);
    if (p < end && *p == ',')
        p = skip_ws(p + 1, end);
    const char *v = p;
    p = iter_skip_value(it, p, end);
    if (p == v) { /* end of the array (or not an array at all) */
        it->_pos = end;
        return false;
    }
    value->ptr = v;
    value->len = (size_t)(p - v);
    it->_pos = p;
    return true;
}

bool sg_json_string_equals(struct sg_json_span tok, const char *lit)
{
    size_t n = strlen(lit);
    if (tok.len < 2 || tok.ptr[0] != '"')
        return false;
    const char *s = tok.ptr + 1;
    size_t raw = tok.len - 2;
    /* Every escape is longer than the byte(s) it stands for, so a token of
     * n raw bytes equals lit only byte for byte, and a shorter one never
     * (the usual case, a key of another name, costs no memchr). */
    if (raw <= n)
        return raw == n && memcmp(s, lit, n) == 0 && !memchr(s, '\\', raw);
    if (!memchr(s, '\\', raw))
        return false;
    struct dcursor c;
    dcursor_init(&c, tok.ptr, tok.len);
    for (size_t i = 0; i < n; i++)
        if (dcursor_next(&c) != (unsigned char)lit[i])
            return false;
    return dcursor_next(&c) < 0;
}
bool sg_json_object_get(struct sg_json_span object, const char *name, struct sg_json_span *value)
{
    struct sg_json_iter it;
    struct sg_json_span k, v;
    sg_json_iter_init(&it, object);
    while (sg_json_object_next(&it, &k, &v)) {
        if (sg_json_string_equals(k, name)) {
            *value = v;
            return true;
        }
    }
    return false;
}
