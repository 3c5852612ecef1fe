/*
 * fuzz_catalog: the catalog loader (catalog.h) and its value checks.
 *
 * The input is one or more schema documents separated by NUL bytes, loaded
 * as the files d0.json, d1.json, ... (event types d0, d1, ...), so the
 * cross-document rule (one type per field name) is reached too. Then:
 *   - a refused catalog has a message naming a file ("d<i>.json: $...") or
 *     the catalog;
 *   - a loaded one holds one type per document, each found by its name;
 *     every property of every type is checked against a fixed set of
 *     values (every JSON type, bounds, escapes, long strings, arrays), and
 *     each check returns 0 or -1 with a rule and a reason.
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "catalog_internal.h" /* the compiled type's property count */
#include "json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DOCS 8

static void require(bool ok)
{
    if (!ok)
        abort();
}

static const char *const probes[] = {
    "null",
    "true",
    "false",
    "0",
    "-0",
    "1",
    "1.0",
    "1.5",
    "1e3",
    "-1e19",
    "1e400",
    "-1e400",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "5e-324",
    "1e-400",
    "\"\"",
    "\"a\"",
    "\"EUR\"",
    "\"\\u0045UR\"",
    "\"\\ud83d\\ude00\"",
    "\"2024-02-29\"",
    "\"2024-04-07T18:21:60Z\"",
    "\"2016-12-31T23:59:60Z\"",
    "\"123e4567-e89b-12d3-a456-426614174000\"",
    "[]",
    "[1,\"a\",null,[],{}]",
    "[\"a\",\"b\",\"c\",\"d\"]",
    "{}",
    "{\"a\":1}",
};

static void probe_type(const struct sg_catalog_type *t)
{
    for (unsigned i = 0; i < t->nprops; i++) {
        const struct sg_catalog_prop *p = sg_catalog_type_prop_at(t, i);
        unsigned idx = 99999;
        char tok[160];
        int n = snprintf(tok, sizeof tok, "\"%s\"", sg_catalog_prop_name(p));
        require(n > 0 &&
                sg_catalog_type_prop(t, (struct sg_json_span){tok, (size_t)n}, &idx) == p &&
                idx == i);
        for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
            struct sg_json_span v;
            struct sg_json_error e;
            require(sg_json_validate(probes[k], strlen(probes[k]),
                                     &(struct sg_json_opts){{8, 0}, NULL}, &v, &e) == 0);
            struct sg_catalog_fault f;
            int rc = sg_catalog_check(p, v, NULL, &f);
            require(rc == 0 || (rc == -1 && f.rule && f.what[0]));
        }
    }
    for (unsigned i = 0; i < sg_catalog_type_nrequired(t); i++)
        require(sg_catalog_type_required(t, i) < t->nprops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sg_catalog_source src[MAX_DOCS];
    char names[MAX_DOCS][16];
    size_t n = 0, start = 0;
    const char *text = (const char *)data;
    for (size_t i = 0; i <= size && n < MAX_DOCS; i++) {
        if (i == size || data[i] == '\0') {
            snprintf(names[n], sizeof names[n], "d%zu.json", n);
            src[n] = (struct sg_catalog_source){names[n], text + start, i - start};
            n++;
            start = i + 1;
        }
    }
    char err[512] = "";
    struct sg_catalog *c = sg_catalog_new(src, n, err, sizeof err);
    if (!c) {
        require(err[0] == 'd' || strncmp(err, "catalog", 7) == 0);
        return 0;
    }
    require(sg_catalog_count(c) == n);
    for (size_t i = 0; i < n; i++) {
        char name[16];
        int len = snprintf(name, sizeof name, "d%zu", i);
        const struct sg_catalog_type *t = sg_catalog_find(c, name, (size_t)len);
        require(t != NULL && strcmp(sg_catalog_type_name(t), name) == 0);
        probe_type(t);
    }
    sg_catalog_release(c);
    return 0;
}
