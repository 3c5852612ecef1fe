/*
 * Unit tests of the event catalog (catalog.h) and the rules it brings to
 * events (event.h: catalog, unknown types, the event-name rule, the
 * created_at window), through the gateway's own event path.
 *
 * Tables:
 *   - keywords: a property schema, a value, and the rule the value breaks
 *     (NULL: valid), each checked as the member of an event;
 *   - refusals: a document the loader refuses and part of its message;
 *   - names and windows: the rules every event stream applies.
 * Fixture directories: tests/data/catalog/{basic,conflict}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "catalog_internal.h" /* the compiled type's property count */
#include "check.h"
#include "config.h"
#include "config_text.h"
#include "event.h"
#include "ingest_parse.h"
#include "policy.h"

#define UUID "123e4567-e89b-12d3-a456-426614174000"
#define NOW 1712514065LL

static const char *source_dir;

/* A catalog of one type "t:x" whose only field "f" has schema `prop`. */
static struct sg_catalog *one_field(const char *prop, char *err, size_t cap)
{
    char doc[4096];
    snprintf(doc, sizeof doc,
             "{\"type\":\"object\",\"properties\":{\"f\":%s},\"additionalProperties\":true}", prop);
    struct sg_catalog_source src = {"t.x.json", doc, strlen(doc)};
    return sg_catalog_new(&src, 1, err, cap);
}

/* Runs `event` (Data JSON text) through the event path with `rules`;
 * returns the rc with *err filled. */
static int run_event(const char *event, const struct sg_event_rules *rules, long long now,
                     struct sg_event_error *err)
{
    struct sg_json_span data;
    struct sg_json_error jerr;
    struct sg_json_index idx;
    char uuid[SG_EVENT_UUID_LEN + 1];
    struct sg_buf out;
    sg_json_index_init(&idx, SG_JSON_INDEX_MAX);
    sg_buf_init(&out, 1 << 20);
    int rc = -2;
    if (sg_json_validate(event, strlen(event), &(struct sg_json_opts){{64, 0}, &idx}, &data,
                         &jerr) == 0) {
        struct sg_event_opts o = {&idx, NULL, rules, now, NULL};
        rc = sg_event_enrich(data, &o, &out, uuid, err);
        /* the same verdict without the index */
        struct sg_event_error e2;
        struct sg_buf out2;
        sg_buf_init(&out2, 1 << 20);
        struct sg_event_opts o2 = {NULL, NULL, rules, now, NULL};
        int rc2 = sg_event_enrich(data, &o2, &out2, uuid, &e2);
        CHECK(rc == rc2 && strcmp(err->rule, e2.rule) == 0 && strcmp(err->path, e2.path) == 0 &&
                  out.len == out2.len,
              "%s: with and without the index", event);
        sg_buf_free(&out2);
    }
    sg_buf_free(&out);
    sg_json_index_free(&idx);
    return rc;
}

static struct sg_event_rules rules_of(const struct sg_catalog *c)
{
    struct sg_event_rules r = {c, false, (long long)SG_EVENT_MAX_AGE_DAYS_DEFAULT * 86400,
                               SG_EVENT_MAX_AHEAD_S_DEFAULT};
    return r;
}

/* ---- keywords ---------------------------------------------------------- */

struct kw_case {
    const char *prop;  /* the property schema of f */
    const char *value; /* the value of f */
    const char *rule;  /* NULL: valid */
    const char *path;  /* when invalid: "" for "$.f" */
};

static const struct kw_case kw_cases[] = {
    /* integer: a zero fractional part, within int64 */
    {"{\"type\":\"integer\"}", "1", NULL, NULL},
    {"{\"type\":\"integer\"}", "1.0", NULL, NULL},
    {"{\"type\":\"integer\"}", "1e3", NULL, NULL},
    {"{\"type\":\"integer\"}", "-0", NULL, NULL},
    {"{\"type\":\"integer\"}", "1.5E1", NULL, NULL},
    {"{\"type\":\"integer\"}", "1.55E1", "type", ""},
    {"{\"type\":\"integer\"}", "1.5", "type", ""},
    {"{\"type\":\"integer\"}", "\"1\"", "type", ""},
    {"{\"type\":\"integer\"}", "true", "type", ""},
    {"{\"type\":\"integer\"}", "null", "type", ""},
    {"{\"type\":\"integer\"}", "9223372036854775807", NULL, NULL},
    {"{\"type\":\"integer\"}", "9223372036854775808", "exclusiveMaximum", ""},
    {"{\"type\":\"integer\"}", "-9223372036854775808", NULL, NULL},
    {"{\"type\":\"integer\"}", "-9223372036854775809", "minimum", ""},
    {"{\"type\":\"integer\"}", "92233720368547758070e-1", NULL, NULL},
    {"{\"type\":\"integer\"}", "0.92233720368547758080e19", "exclusiveMaximum", ""},
    {"{\"type\":\"integer\"}", "1e19", "exclusiveMaximum", ""},
    {"{\"type\":\"integer\",\"maximum\":100}", "1e19", "maximum", ""},
    {"{\"type\":\"integer\",\"minimum\":1}", "-1e19", "minimum", ""},
    {"{\"type\":\"integer\"}", "1e400", "type", ""},
    {"{\"type\":\"integer\"}", "1e-400", "type", ""},
    {"{\"type\":[\"integer\",\"null\"]}", "null", NULL, NULL},
    {"{\"type\":[\"null\",\"integer\"]}", "2", NULL, NULL},
    /* number: finite as a double */
    {"{\"type\":\"number\"}", "1e400", "type", ""},
    {"{\"type\":\"number\"}", "-1e400", "type", ""},
    {"{\"type\":\"number\"}", "1.7976931348623157e308", NULL, NULL},
    {"{\"type\":\"number\"}", "1.8e308", "type", ""},
    {"{\"type\":\"number\"}", "5e-324", NULL, NULL},
    {"{\"type\":\"number\"}", "1e-400", NULL, NULL},
    {"{\"type\":\"number\"}", "\"1\"", "type", ""},
    {"{\"type\":\"number\"}", "[1]", "type", ""},
    /* bounds */
    {"{\"type\":\"number\",\"minimum\":0}", "0", NULL, NULL},
    {"{\"type\":\"number\",\"minimum\":0}", "-0.0001", "minimum", ""},
    {"{\"type\":\"number\",\"maximum\":10}", "10", NULL, NULL},
    {"{\"type\":\"number\",\"maximum\":10}", "10.0000001", "maximum", ""},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0}", "0", "exclusiveMinimum", ""},
    {"{\"type\":\"number\",\"exclusiveMinimum\":0}", "1e-9", NULL, NULL},
    {"{\"type\":\"number\",\"exclusiveMaximum\":10}", "10", "exclusiveMaximum", ""},
    {"{\"type\":\"number\",\"exclusiveMaximum\":10}", "9.99", NULL, NULL},
    {"{\"type\":\"integer\",\"minimum\":-2.5}", "-2", NULL, NULL},
    {"{\"type\":\"integer\",\"minimum\":-2.5}", "-3", "minimum", ""},
    {"{\"type\":[\"number\",\"null\"],\"minimum\":0}", "null", NULL, NULL},
    /* lengths: code points of the unescaped string */
    {"{\"type\":\"string\",\"maxLength\":3}", "\"abc\"", NULL, NULL},
    {"{\"type\":\"string\",\"maxLength\":3}", "\"abcd\"", "maxLength", ""},
    {"{\"type\":\"string\",\"maxLength\":3}",
     "\"\xc3\xa9\xf0\x9f\x98\x80"
     "a\"",
     NULL, NULL},
    {"{\"type\":\"string\",\"maxLength\":3}", "\"\\u00e9\\ud83d\\ude00a\"", NULL, NULL},
    {"{\"type\":\"string\",\"maxLength\":3}",
     "\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"", "maxLength", ""},
    {"{\"type\":\"string\",\"minLength\":2}", "\"a\"", "minLength", ""},
    {"{\"type\":\"string\",\"minLength\":2}", "\"\\n\\t\"", NULL, NULL},
    {"{\"type\":\"string\",\"minLength\":1}", "\"\"", "minLength", ""},
    {"{\"type\":\"string\"}", "1", "type", ""},
    /* enum and const: strings unescaped, numbers by value */
    {"{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\"]}", "\"EUR\"", NULL, NULL},
    {"{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\"]}", "\"\\u0045UR\"", NULL, NULL},
    {"{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\"]}", "\"eur\"", "enum", ""},
    {"{\"type\":\"string\",\"enum\":[\"EUR\",\"USD\"]}", "\"EUR \"", "enum", ""},
    {"{\"type\":\"string\",\"enum\":[\"\\u00e9\"]}", "\"\xc3\xa9\"", NULL, NULL},
    {"{\"type\":\"string\",\"enum\":[\"a\\\"b\"]}", "\"a\\u0022b\"", NULL, NULL},
    {"{\"type\":\"number\",\"enum\":[1,2.5]}", "1.0", NULL, NULL},
    {"{\"type\":\"number\",\"enum\":[1,2.5]}", "25e-1", NULL, NULL},
    {"{\"type\":\"number\",\"enum\":[1,2.5]}", "3", "enum", ""},
    {"{\"type\":\"integer\",\"enum\":[1,2]}", "2.0", NULL, NULL},
    {"{\"type\":[\"string\",\"null\"],\"enum\":[\"a\",null]}", "null", NULL, NULL},
    {"{\"type\":[\"string\",\"null\"],\"enum\":[\"a\"]}", "null", "enum", ""},
    {"{\"type\":\"boolean\",\"const\":true}", "true", NULL, NULL},
    {"{\"type\":\"boolean\",\"const\":true}", "false", "const", ""},
    {"{\"type\":\"boolean\"}", "0", "type", ""},
    {"{\"type\":\"integer\",\"const\":3}", "3", NULL, NULL},
    {"{\"type\":\"integer\",\"const\":3}", "4", "const", ""},
    {"{\"type\":\"string\",\"const\":\"x\"}", "\"\\u0078\"", NULL, NULL},
    /* formats: ajv-formats 3.0.1 full mode */
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2024-02-29\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2023-02-29\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2000-02-29\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"1900-02-29\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2024-13-01\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2024-04-31\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"2024-1-01\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date\"}", "\"\\u0032024-01-01\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05Z\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07t18:21:05.123+02:00\"", NULL,
     NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07 18:21:05z\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05+0200\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05+02\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05+24:00\"", "format",
     ""},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2016-12-31T23:59:60Z\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2016-12-31T22:59:60-01:00\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:60Z\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:59.99999999999999999Z\"",
     "format", ""},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07\\u00a018:21:05Z\"", NULL,
     NULL},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07TT18:21:05Z\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"date-time\"}", "\"2024-04-07T18:21:05.Z\"", "format", ""},
    {"{\"type\":\"string\",\"format\":\"uuid\"}", "\"" UUID "\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"uuid\"}",
     "\"URN:UUID:123E4567-E89B-12D3-A456-426614174000\"", NULL, NULL},
    {"{\"type\":\"string\",\"format\":\"uuid\"}", "\"123e4567e89b12d3a456426614174000\"", "format",
     ""},
    {"{\"type\":[\"string\",\"null\"],\"format\":\"uuid\"}", "null", NULL, NULL},
    /* arrays */
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":2},\"minItems\":1,"
     "\"maxItems\":2}",
     "[\"a\"]", NULL, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1}", "[]", "minItems", ""},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":2}", "[\"a\",\"b\",\"c\"]",
     "maxItems", ""},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":2}}", "[\"a\",\"bcd\"]",
     "maxLength", "[1]"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "[\"a\",null]", "type", "[1]"},
    {"{\"type\":\"array\",\"items\":{\"type\":[\"string\",\"null\"]}}", "[\"a\",null]", NULL, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"enum\":[1,2]}}", "[1,2,3]", "enum",
     "[2]"},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "\"a\"", "type", ""},
    {"{\"type\":[\"array\",\"null\"],\"items\":{\"type\":\"string\"}}", "null", NULL, NULL},
    {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "null", "type", ""},
};

static void test_keywords(void)
{
    for (size_t i = 0; i < sizeof kw_cases / sizeof kw_cases[0]; i++) {
        const struct kw_case *c = &kw_cases[i];
        char err[512], ev[2048];
        struct sg_catalog *cat = one_field(c->prop, err, sizeof err);
        CHECK(cat != NULL, "%s: loads: %s", c->prop, err);
        if (!cat)
            continue;
        struct sg_event_rules r = rules_of(cat);
        snprintf(ev, sizeof ev,
                 "{\"event_uuid\":\"" UUID "\",\"event_name\":\"t:x\",\"created_at\":%lld,"
                 "\"f\":%s}",
                 NOW, c->value);
        struct sg_event_error e;
        int rc = run_event(ev, &r, NOW, &e);
        if (!c->rule) {
            CHECK(rc == 0, "%s with %s: refused: %s", c->prop, c->value, e.message);
        } else {
            char path[64];
            snprintf(path, sizeof path, "$.f%s", c->path);
            CHECK(rc == -1 && strcmp(e.rule, c->rule) == 0 && strcmp(e.path, path) == 0,
                  "%s with %s: rc %d rule [%s] path [%s], want %s at %s (%s)", c->prop, c->value,
                  rc, e.rule, e.path, c->rule, path, e.message);
            CHECK(strncmp(e.message, "t:x: $.f", 8) == 0 && strcmp(e.event_type, "t") == 0,
                  "message names type and path: [%s] event_type [%s]", e.message, e.event_type);
        }
        sg_catalog_release(cat);
    }
}

/* ---- loader refusals --------------------------------------------------- */

struct refusal {
    const char *file;
    const char *doc;
    const char *msg; /* part of the loader's message */
};

static const struct refusal refusals[] = {
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"pattern\":\"^a\"}}}",
     "t.x.json: $.properties.f.pattern: keyword not supported (regular expressions"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"object\"}}}",
     "t.x.json: $.properties.f.type: nested objects are not supported"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"minimum\":1}}}",
     "$.properties.f: type is required"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":true}}",
     "$.properties.f: a property schema must be an object with a type"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"foo\":1}}}",
     "$.properties.f.foo: keyword not supported"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"default\":\"a\"}}}",
     "$.properties.f.default: keyword not supported"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"integer\",\"minLength\":1}}}",
     "$.properties.f.minLength: minLength does not apply to type integer"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"minimum\":1}}}",
     "$.properties.f.minimum: minimum does not apply to type string"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"items\":{\"type\":"
     "\"string\"}}}}",
     "$.properties.f.items: items does not apply to type string"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"event_uuid\":{\"type\":\"string\"}}}",
     "$.properties.event_uuid: event_uuid is implied, do not declare it"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"event_type\":{\"type\":\"string\"}}}",
     "$.properties.event_type: event_type is implied, do not declare it"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"dt\":{\"type\":\"string\"}}}",
     "$.properties.dt: dt is the lake's partition column"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"Amount\":{\"type\":\"number\"}}}",
     "$.properties.Amount: field name must be a Glue/Athena column"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"order-id\":{\"type\":\"string\"}}}",
     "$.properties.order-id: field name must be a Glue/Athena column"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"1st\":{\"type\":\"string\"}}}",
     "$.properties.1st: field name must be"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":[\"string\",\"integer\"]}}}",
     "$.properties.f.type: type must be one of"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"null\"}}}",
     "$.properties.f.type: type must be one of"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":[\"null\",\"null\"]}}}",
     "$.properties.f.type: type must be one of"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"integer\",\"enum\":[1,\"a\"]}}}",
     "$.properties.f.enum[1]: must be a value of the declared type (integer)"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"integer\",\"enum\":[1.5]}}}",
     "$.properties.f.enum[0]: must be a value of the declared type (integer)"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"enum\":[null]}}}",
     "$.properties.f.enum[0]: null is not a value of this non-nullable string"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"enum\":[]}}}",
     "$.properties.f.enum: must be a non-empty array of values"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"const\":1}}}",
     "$.properties.f.const: must be a value of the declared type (string)"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"enum\":[\"a\"],\"const\":"
     "\"a\"}}}",
     "enum and const together"},
    {"t.x.json", "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"array\"}}}",
     "$.properties.f: items is required for an array"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"array\",\"items\":{\"type\":"
     "\"array\",\"items\":{\"type\":\"string\"}}}}}",
     "$.properties.f.items: arrays of arrays are not supported"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"array\",\"items\":{\"type\":"
     "\"object\"}}}}",
     "$.properties.f.items.type: nested objects are not supported"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"array\",\"items\":{\"type\":"
     "\"string\",\"minItems\":1}}}}",
     "$.properties.f.items.minItems: minItems does not apply to type string"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"format\":\"email\"}}}",
     "$.properties.f.format: format must be \"date-time\", \"date\" or \"uuid\""},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"maxLength\":-1}}}",
     "$.properties.f.maxLength: must be a non-negative integer"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\",\"maxLength\":2.0}}}",
     "$.properties.f.maxLength: must be a non-negative integer"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"number\",\"minimum\":\"0\"}}}",
     "$.properties.f.minimum: must be a number"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\"}},\"required\":[\"g\"]}",
     "$.required[0]: g is not declared in properties"},
    {"t.x.json",
     "{\"type\":\"object\",\"properties\":{\"f\":{\"type\":\"string\"}},\"required\":[\"f\",\"f\"]"
     "}",
     "$.required[1]: f is listed twice"},
    {"t.x.json", "{\"type\":\"object\",\"required\":[\"event_uuid\"]}",
     "$.required[0]: event_uuid is not declared in properties (implied fields are always required"},
    {"t.x.json", "{\"type\":\"object\",\"additionalProperties\":{}}",
     "$.additionalProperties: must be true or false"},
    {"t.x.json", "{\"properties\":{}}", "$.type: type must be \"object\""},
    {"t.x.json", "{\"type\":\"object\",\"$schema\":\"http://json-schema.org/draft-07/schema#\"}",
     "$.$schema: must be \"https://json-schema.org/draft/2020-12/schema\""},
    {"t.x.json", "{\"type\":\"object\",\"allOf\":[]}", "$.allOf: keyword not supported"},
    {"t.x.json", "{\"type\":\"object\",\"title\":1}", "$.title: must be a string"},
    {"t.x.json", "[]", "t.x.json: $: a schema document must be a JSON object"},
    {"t.x.json", "{\"type\":\"object\",", "t.x.json: $: invalid JSON at line 1"},
    {"t.x.json", "{\"type\":\"object\",\"type\":\"object\"}", "invalid JSON"},
    {"Shop.Order.json", "{\"type\":\"object\"}",
     "Shop.Order.json: $: the file name is not an event name"},
    {"shop..order.json", "{\"type\":\"object\"}", "the file name is not an event name"},
    {"shop-order.json", "{\"type\":\"object\"}", "the file name is not an event name"},
};

static void test_refusals(void)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const struct refusal *r = &refusals[i];
        struct sg_catalog_source src = {r->file, r->doc, strlen(r->doc)};
        char err[512] = "";
        struct sg_catalog *c = sg_catalog_new(&src, 1, err, sizeof err);
        CHECK(!c && strstr(err, r->msg) != NULL, "%s: got [%s] want [%s]", r->doc, err, r->msg);
        sg_catalog_release(c);
    }
    /* A field name of 128 bytes is a column; 129 is not. */
    char doc[512], name[130];
    memset(name, 'a', 129);
    name[129] = '\0';
    snprintf(doc, sizeof doc, "{\"type\":\"object\",\"properties\":{\"%s\":{\"type\":\"string\"}}}",
             name);
    struct sg_catalog_source src = {"t.x.json", doc, strlen(doc)};
    char err[512] = "";
    struct sg_catalog *c = sg_catalog_new(&src, 1, err, sizeof err);
    CHECK(!c && strstr(err, "field name must be"), "129-byte field name: [%s]", err);
    name[128] = '\0';
    snprintf(doc, sizeof doc, "{\"type\":\"object\",\"properties\":{\"%s\":{\"type\":\"string\"}}}",
             name);
    src.len = strlen(doc);
    c = sg_catalog_new(&src, 1, err, sizeof err);
    CHECK(c != NULL, "128-byte field name: [%s]", err);
    sg_catalog_release(c);
    /* The same name twice: "a.b.json" and "a:b.json" */
    struct sg_catalog_source two[] = {{"a.b.json", "{\"type\":\"object\"}", 17},
                                      {"a:b.json", "{\"type\":\"object\"}", 17}};
    c = sg_catalog_new(two, 2, err, sizeof err);
    CHECK(!c && strstr(err, "event type a:b is defined twice"), "twice: [%s]", err);
    CHECK(sg_catalog_new(two, 0, err, sizeof err) == NULL && strstr(err, "no event types"),
          "empty: [%s]", err);
}

/* ---- the directory loader ---------------------------------------------- */

static void test_directory(void)
{
    char dir[1024], err[512];
    snprintf(dir, sizeof dir, "%s/tests/data/catalog/basic", source_dir);
    struct sg_catalog *c = sg_catalog_load(dir, err, sizeof err);
    CHECK(c && sg_catalog_count(c) == 2, "basic: %s", c ? "" : err);
    if (c) {
        const struct sg_catalog_type *t = sg_catalog_find(c, "shop:order:placed", 17);
        CHECK(t && sg_catalog_type_closed(t) && t->nprops == 5 && sg_catalog_type_nrequired(t) == 2,
              "shop:order:placed compiled");
        CHECK(sg_catalog_find(c, "shop:order", 10) == NULL, "a prefix is no type");
        CHECK(sg_catalog_find(c, "shop.order.placed", 17) == NULL, "the file name is no type");
        t = sg_catalog_find(c, "shop:item:viewed", 16);
        CHECK(t && !sg_catalog_type_closed(t), "open type");
    }
    sg_catalog_release(c);

    snprintf(dir, sizeof dir, "%s/tests/data/catalog/conflict", source_dir);
    c = sg_catalog_load(dir, err, sizeof err);
    CHECK(!c &&
              strstr(err, "conflict/b.second.json: $.properties.amount: field amount is "
                          "declared string here and number in ") &&
              strstr(err, "conflict/a.first.json: a field name has one type"),
          "conflict: [%s]", err);

    snprintf(dir, sizeof dir, "%s/tests/data/catalog/no-such-dir", source_dir);
    c = sg_catalog_load(dir, err, sizeof err);
    CHECK(!c && strstr(err, "cannot open the directory"), "missing dir: [%s]", err);

    char tmpl[1024];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/sg_catalog_XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    if (mkdtemp(tmpl)) {
        c = sg_catalog_load(tmpl, err, sizeof err);
        CHECK(!c && strstr(err, "no event types"), "empty dir: [%s]", err);
        rmdir(tmpl);
    }
}

/* ---- the event rules: name, window, unknown types, required, closed ----- */

static void test_name_rule(void)
{
    static const struct {
        const char *name;
        int ok;
    } rows[] = {
        {"payment:order:completed", 1},
        {"a", 1},
        {"a_1:b2", 1},
        {"pament:order:completed", 1}, /* a typo follows the rule; the catalog catches it */
        {"Payment:Order", 0},
        {"lesson started", 0},
        {"a/b:c", 0},
        {"a=b", 0},
        {"a.b", 0},
        {"a-b", 0},
        {"a:", 0},
        {":a", 0},
        {"a::b", 0},
        {"", 0},
        {"caf\xc3\xa9", 0},
        {"a\\tb", 0},
        {"\\u0061:b", 1}, /* decoded first: "a:b" */
        {"\\u0041:b", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char ev[512];
        snprintf(ev, sizeof ev,
                 "{\"event_uuid\":\"" UUID "\",\"event_name\":\"%s\",\"created_at\":%lld}",
                 rows[i].name, NOW);
        struct sg_event_error e;
        int rc = run_event(ev, NULL, NOW, &e);
        CHECK(rows[i].ok ? rc == 0
                         : rc == -1 && strcmp(e.rule, "event_name") == 0 &&
                               strcmp(e.path, "$.event_name") == 0 &&
                               strstr(e.message, "each 1-64 characters of a-z"),
              "name [%s]: rc %d [%s] %s", rows[i].name, rc, e.rule, e.message);
    }
    /* lengths: a part of 64 passes, 65 does not; 255 bytes pass, 256 do not */
    char part[80], ev[1024], name[300];
    memset(part, 'p', 65);
    part[65] = '\0';
    for (int len = 64; len <= 65; len++) {
        snprintf(ev, sizeof ev,
                 "{\"event_uuid\":\"" UUID "\",\"event_name\":\"%.*s\",\"created_at\":%lld}", len,
                 part, NOW);
        struct sg_event_error e;
        CHECK(run_event(ev, NULL, NOW, &e) == (len == 64 ? 0 : -1), "part of %d", len);
    }
    for (int total = 255; total <= 256; total++) {
        /* 63 x "p" ':' ... */
        size_t n = 0;
        while (n < (size_t)total) {
            name[n] = (n + 1) % 64 == 0 ? ':' : 'p';
            n++;
        }
        name[n - 1] = 'p';
        name[n] = '\0';
        snprintf(ev, sizeof ev,
                 "{\"event_uuid\":\"" UUID "\",\"event_name\":\"%s\",\"created_at\":%lld}", name,
                 NOW);
        struct sg_event_error e;
        CHECK(run_event(ev, NULL, NOW, &e) == (total == 255 ? 0 : -1), "name of %d bytes: %s",
              total, e.message);
        CHECK(sg_catalog_valid_event_name(name, strlen(name)) == (total == 255),
              "valid_event_name %d", total);
    }
}

static void test_window(void)
{
    struct sg_event_rules r = {NULL, false, 10 * 86400LL, 60};
    static const struct {
        const char *created_at;
        int ok;
    } rows[] = {
        {"1712514065", 1}, {"1712514125", 1}, {"1712514125.0", 1},   {"1712514125.001", 0},
        {"1712514126", 0}, {"1711650065", 1}, {"1711650064.999", 0}, {"1711650065.5", 1},
        {"0", 0},          {"4102444800", 0}, {"1.712514065e9", 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char ev[512];
        snprintf(ev, sizeof ev,
                 "{\"event_uuid\":\"" UUID "\",\"event_name\":\"a:b\",\"created_at\":%s}",
                 rows[i].created_at);
        struct sg_event_error e;
        int rc = run_event(ev, &r, NOW, &e);
        CHECK(rows[i].ok ? rc == 0
                         : rc == -1 && strcmp(e.rule, "created_at_window") == 0 &&
                               strcmp(e.path, "$.created_at") == 0,
              "created_at %s: rc %d [%s] %s", rows[i].created_at, rc, e.rule, e.message);
    }
    /* The defaults: README's 2024 examples pass, 1970 and 2100 do not; the
     * milliseconds message stays. */
    struct sg_event_rules d = rules_of(NULL);
    struct sg_event_error e;
    const char *ms =
        "{\"event_uuid\":\"" UUID "\",\"event_name\":\"a\",\"created_at\":1712514065000}";
    CHECK(run_event(ms, &d, NOW, &e) == -1 && strcmp(e.rule, "created_at") == 0 &&
              strstr(e.message, "looks like milliseconds"),
          "milliseconds: %s", e.message);
    const char *y2100 =
        "{\"event_uuid\":\"" UUID "\",\"event_name\":\"a\",\"created_at\":4102444800}";
    CHECK(run_event(y2100, &d, NOW, &e) == -1 && strstr(e.message, "3650 days"), "2100: %s",
          e.message);
    CHECK(run_event(y2100, NULL, NOW, &e) == 0, "no rules: no window");
}

static void test_stream_rules(void)
{
    char dir[1024], err[512];
    snprintf(dir, sizeof dir, "%s/tests/data/catalog/basic", source_dir);
    struct sg_catalog *c = sg_catalog_load(dir, err, sizeof err);
    if (!c) {
        CHECK(0, "basic: %s", err);
        return;
    }
    struct sg_event_rules r = rules_of(c);
    struct sg_event_error e;
#define EV(name, rest)                                                                             \
    "{\"event_uuid\":\"" UUID "\",\"event_name\":\"" name "\",\"created_at\":1712514065" rest "}"
    const char *ok =
        EV("shop:order:placed", ",\"amount\":9.99,\"currency\":\"EUR\",\"tags\":[\"a\"]");
    CHECK(run_event(ok, &r, NOW, &e) == 0, "valid: %s", e.message);

    const char *unknown = EV("shop:order:cancelled", ",\"amount\":1");
    CHECK(run_event(unknown, &r, NOW, &e) == -1 && strcmp(e.rule, "unknown_event_type") == 0 &&
              strcmp(e.event_type, "") == 0 &&
              strstr(e.message, "shop:order:cancelled: $.event_name is not an event type"),
          "unknown type: %s", e.message);
    r.accept_unknown = true;
    CHECK(run_event(unknown, &r, NOW, &e) == 0, "unknown type accepted: %s", e.message);
    r.accept_unknown = false;

    const char *missing = EV("shop:order:placed", ",\"amount\":1");
    CHECK(run_event(missing, &r, NOW, &e) == -1 && strcmp(e.rule, "required") == 0 &&
              strcmp(e.path, "$.currency") == 0 &&
              strcmp(e.message, "shop:order:placed: $.currency is required") == 0 &&
              strcmp(e.event_type, "shop") == 0,
          "required: %s", e.message);

    const char *extra =
        EV("shop:order:placed", ",\"amount\":1,\"currency\":\"EUR\",\"x\\u0079\":1");
    CHECK(run_event(extra, &r, NOW, &e) == -1 && strcmp(e.rule, "additionalProperties") == 0 &&
              strcmp(e.path, "$.xy") == 0,
          "additionalProperties: [%s] %s", e.path, e.message);
    /* A key holding control characters shows them escaped, not cut at NUL. */
    const char *nul =
        EV("shop:order:placed", ",\"amount\":1,\"currency\":\"EUR\",\"a\\u0000b\\n\":1");
    CHECK(run_event(nul, &r, NOW, &e) == -1 && strcmp(e.rule, "additionalProperties") == 0 &&
              strcmp(e.path, "$.a\\u0000b\\u000a") == 0 &&
              strstr(e.message, "$.a\\u0000b\\u000a is not a field"),
          "control characters in a key: [%s] %s", e.path, e.message);
    const char *open = EV("shop:item:viewed", ",\"sku\":\"a\",\"anything\":{\"x\":[1]}");
    CHECK(run_event(open, &r, NOW, &e) == 0, "open type keeps extra members: %s", e.message);

    /* The first member at fault in document order, even before event_name. */
    const char *two = "{\"currency\":\"eur\",\"event_uuid\":\"" UUID
                      "\",\"amount\":\"1\",\"event_name\":\"shop:order:placed\","
                      "\"created_at\":1712514065}";
    CHECK(run_event(two, &r, NOW, &e) == -1 && strcmp(e.path, "$.currency") == 0,
          "first in document order: [%s] %s", e.path, e.message);
    CHECK(strcmp(e.message, "shop:order:placed: $.currency must be one of \"EUR\", \"USD\"") == 0,
          "enum message: %s", e.message);
    const char *type = EV("shop:order:placed", ",\"amount\":\"19.99\",\"currency\":\"EUR\"");
    CHECK(run_event(type, &r, NOW, &e) == -1 &&
              strcmp(e.message, "shop:order:placed: $.amount must be a number") == 0,
          "type message: %s", e.message);

    /* Common rules come first: a bad uuid is reported, not the schema. */
    const char *uuid_bad = "{\"event_uuid\":\"x\",\"event_name\":\"shop:order:placed\","
                           "\"created_at\":1712514065,\"amount\":\"1\"}";
    CHECK(run_event(uuid_bad, &r, NOW, &e) == -1 && strcmp(e.rule, "uuid") == 0, "uuid first");

    /* More than 32 members before event_name: each still checked. */
    char big[8192];
    size_t o = (size_t)snprintf(big, sizeof big, "{");
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "\"m%d\":%d,", i, i);
    snprintf(big + o, sizeof big - o,
             "\"currency\":\"EUR\",\"amount\":1,\"coupon\":7,\"event_uuid\":\"" UUID
             "\",\"event_name\":\"shop:order:placed\",\"created_at\":1712514065}");
    CHECK(run_event(big, &r, NOW, &e) == -1 && strcmp(e.path, "$.m0") == 0,
          "closed type, 40 extra members first: [%s]", e.path);
    o = (size_t)snprintf(big, sizeof big, "{");
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "\"m%d\":%d,", i, i);
    snprintf(big + o, sizeof big - o,
             "\"sku\":\"\",\"event_uuid\":\"" UUID
             "\",\"event_name\":\"shop:item:viewed\",\"created_at\":1712514065}");
    CHECK(run_event(big, &r, NOW, &e) == -1 && strcmp(e.path, "$.sku") == 0 &&
              strcmp(e.rule, "minLength") == 0,
          "member 41, before event_name: [%s] %s", e.path, e.message);

    /* An event sent as a JSON string is checked the same way. */
    const char *wrapped = "\"{\\\"event_uuid\\\":\\\"" UUID
                          "\\\",\\\"event_name\\\":\\\"shop:order:placed\\\",\\\"created_at\\\":"
                          "1712514065,\\\"amount\\\":0,\\\"currency\\\":\\\"EUR\\\"}\"";
    CHECK(run_event(wrapped, &r, NOW, &e) == -1 && strcmp(e.rule, "exclusiveMinimum") == 0,
          "string-wrapped: %s", e.message);
#undef EV
    sg_catalog_release(c);
}

/* ---- through the request parser ---------------------------------------- */

static void test_ingest(void)
{
    char dir[1024], err[512];
    snprintf(dir, sizeof dir, "%s/tests/data/catalog/basic", source_dir);
    struct sg_catalog *c = sg_catalog_load(dir, err, sizeof err);
    if (!c) {
        CHECK(0, "basic: %s", err);
        return;
    }
    struct sg_event_rules r = rules_of(c);
    struct sg_stream_config s = {
        .name = "events", .stream_name = "events", .mode = SG_STREAM_EVENT};
    struct sg_ingest_limits lim = {1 << 20, 64, 500, 0, &r, NOW, 0};
    const char *body =
        "{\"records\":[{\"data\":{\"event_uuid\":\"" UUID
        "\",\"event_name\":\"shop:order:placed\",\"created_at\":1712514065,\"amount\":1,"
        "\"currency\":\"EUR\"}},"
        "{\"data\":{\"event_uuid\":\"" UUID
        "\",\"event_name\":\"shop:order:placed\",\"created_at\":1712514065,\"amount\":1,"
        "\"currency\":\"EUR\",\"tags\":[\"a\",\"\"]}},"
        "{\"data\":{\"event_uuid\":\"" UUID
        "\",\"event_name\":\"nope\",\"created_at\":1712514065}},"
        "{\"data\":{\"event_uuid\":\"" UUID "\",\"event_name\":\"shop:item:viewed\","
        "\"created_at\":1712514065,\"sku\":\"x\"},\"partition-key\":\"\"}]}";
    struct sg_ingest in;
    enum sg_ingest_status st = sg_ingest_parse(&in, SG_ROUTE_RECORDS, &s, body, strlen(body), &lim);
    CHECK(st == SG_INGEST_OK && in.n == 4 && in.n_valid == 1, "batch: %d %zu/%zu", (int)st,
          in.n_valid, in.n);
    if (st == SG_INGEST_OK && in.n == 4) {
        CHECK(in.items[0].valid, "record 0 valid");
        CHECK(!in.items[1].valid && strcmp(in.items[1].rule, "minLength") == 0 &&
                  strcmp(in.items[1].path, "$.tags[1]") == 0 &&
                  strcmp(in.items[1].event_type, "shop") == 0 &&
                  strcmp(in.items[1].message,
                         "shop:order:placed: $.tags[1] must be at least 1 characters long") == 0,
              "record 1: %s %s %s", in.items[1].rule, in.items[1].path, in.items[1].message);
        CHECK(!in.items[2].valid && strcmp(in.items[2].rule, "unknown_event_type") == 0 &&
                  in.items[2].event_type[0] == '\0',
              "record 2: %s", in.items[2].message);
        CHECK(!in.items[3].valid && strcmp(in.items[3].rule, "partition_key") == 0 &&
                  strcmp(in.items[3].path, "partition-key") == 0,
              "record 3: %s %s", in.items[3].rule, in.items[3].path);
    }
    sg_ingest_free(&in);
    sg_catalog_release(c);
}

/* ---- configuration and policy ------------------------------------------ */

static const char *no_env(const char *name, void *ctx)
{
    (void)name;
    (void)ctx;
    return NULL;
}

static void test_config(void)
{
    struct sg_config *cfg = malloc(sizeof *cfg);
    char err[512];
    static const struct {
        const char *streams;
        const char *msg; /* NULL: loads */
    } rows[] = {
        {"{\"name\":\"e\",\"catalog\":\"cat\"}", NULL},
        {"{\"name\":\"e\",\"catalog\":\"cat\",\"unknown_event_types\":\"accept\"}", NULL},
        {"{\"name\":\"e\",\"unknown_event_types\":\"accept\"}",
         "streams[0].unknown_event_types needs a catalog"},
        {"{\"name\":\"e\",\"catalog\":\"cat\",\"unknown_event_types\":\"maybe\"}",
         "streams[0].unknown_event_types must be one of \"reject\", \"accept\""},
        {"{\"name\":\"e\",\"catalog\":1}", "streams[0].catalog must be a directory name"},
        {"{\"name\":\"e\",\"mode\":\"passthrough\",\"catalog\":\"c\"}",
         "streams[0].catalog needs mode \"event\""},
        {"{\"name\":\"e\",\"created_at_window\":{\"max_age_days\":30,\"max_ahead_s\":0}}", NULL},
        {"{\"name\":\"e\",\"created_at_window\":{\"max_age_days\":0}}",
         "streams[0].created_at_window.max_age_days must be an integer from 1 to 36500"},
        {"{\"name\":\"e\",\"created_at_window\":{\"max_ahead_s\":-1}}",
         "streams[0].created_at_window.max_ahead_s must be an integer from 0 to 31536000"},
        {"{\"name\":\"e\",\"created_at_window\":{\"max_age\":1}}",
         "unknown key streams[0].created_at_window.max_age"},
        {"{\"name\":\"e\",\"created_at_window\":7}",
         "streams[0].created_at_window must be an object"},
    };
    for (size_t i = 0; cfg && i < sizeof rows / sizeof rows[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "{\"kinesis\":{\"region\":\"us-east-1\"},\"streams\":[%s]}",
                 rows[i].streams);
        int rc = config_load_text(text, no_env, NULL, cfg, err, sizeof err);
        if (rows[i].msg)
            CHECK(rc == -1 && strstr(err, rows[i].msg), "%s: [%s]", rows[i].streams, err);
        else
            CHECK(rc == 0, "%s: [%s]", rows[i].streams, err);
    }
    /* Defaults, and "catalog" relative to the configuration file. */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/catalog/config.json", source_dir);
    if (cfg && sg_config_load(path, no_env, NULL, cfg, err, sizeof err) == 0) {
        char want[1100];
        snprintf(want, sizeof want, "%s/tests/data/catalog/basic", source_dir);
        CHECK_STREQ(cfg->streams[0].catalog, want, "catalog resolved");
        CHECK(!cfg->streams[0].accept_unknown_types && cfg->streams[0].max_age_days == 3650 &&
                  cfg->streams[0].max_ahead_s == 86400,
              "defaults");
        struct sg_policy *p = sg_policy_new(cfg, path, err, sizeof err);
        CHECK(p != NULL, "policy: %s", err);
        if (p) {
            const struct sg_event_rules *r = sg_policy_event_rules(p, "events");
            CHECK(r && r->catalog && sg_catalog_count(r->catalog) == 2 && !r->accept_unknown &&
                      r->max_age_s == 3650 * 86400LL,
                  "the policy holds the catalog");
            CHECK(sg_policy_event_rules(p, "raw") == NULL, "passthrough: no rules");
            sg_policy_release(p);
        }
        /* a catalog that does not load: the policy is refused with its message */
        snprintf(cfg->streams[0].catalog, sizeof cfg->streams[0].catalog,
                 "%s/tests/data/catalog/conflict", source_dir);
        p = sg_policy_new(cfg, path, err, sizeof err);
        CHECK(!p && strstr(err, "streams[0].catalog: ") && strstr(err, "b.second.json"),
              "refused: [%s]", err);
        sg_policy_release(p);
    } else {
        CHECK(0, "config.json: %s", err);
    }
    free(cfg);
}

/* A reload whose file no longer lists a stream (still served until a
 * restart) keeps that stream's rules; the others take the new file's. */
static void test_reload_carry(void)
{
    struct sg_config *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    char err[512], text[1024];
    if (!a || !b)
        goto out;
    snprintf(text, sizeof text,
             "{\"kinesis\":{\"region\":\"us-east-1\"},\"streams\":["
             "{\"name\":\"one\",\"catalog\":\"%s/tests/data/catalog/basic\"},"
             "{\"name\":\"two\",\"catalog\":\"%s/tests/data/catalog/basic\"}]}",
             source_dir, source_dir);
    CHECK(config_load_text(text, no_env, NULL, a, err, sizeof err) == 0, "a: %s", err);
    CHECK(config_load_text("{\"kinesis\":{\"region\":\"us-east-1\"},\"streams\":["
                           "{\"name\":\"one\"}]}",
                           no_env, NULL, b, err, sizeof err) == 0,
          "b: %s", err);
    struct sg_policy *pa = sg_policy_new(a, NULL, err, sizeof err);
    struct sg_policy *pb = sg_policy_new(b, NULL, err, sizeof err);
    if (!pa || !pb) {
        CHECK(0, "policies: %s", err);
        sg_policy_release(pa);
        sg_policy_release(pb);
        goto out;
    }
    struct sg_policy_slot slot;
    sg_policy_slot_init(&slot, pa);
    sg_policy_slot_swap(&slot, pb);
    struct sg_policy *cur = sg_policy_slot_get(&slot);
    const struct sg_event_rules *one = sg_policy_event_rules(cur, "one");
    const struct sg_event_rules *two = sg_policy_event_rules(cur, "two");
    CHECK(one && one->catalog == NULL, "one: the new file's rules (no catalog)");
    CHECK(two && two->catalog && sg_catalog_count(two->catalog) == 2,
          "two: not in the new file, its catalog carried over");
    sg_policy_release(cur);
    sg_policy_slot_destroy(&slot); /* the carried catalog's reference goes with it */
out:
    free(a);
    free(b);
}

int main(void)
{
    source_dir = getenv("SG_SOURCE_DIR");
    if (!source_dir) {
        fprintf(stderr, "SG_SOURCE_DIR is not set (ctest sets it)\n");
        return 77;
    }
    test_keywords();
    test_refusals();
    test_directory();
    test_name_rule();
    test_window();
    test_stream_rules();
    test_ingest();
    test_config();
    test_reload_carry();
    return sg_check_result("test_catalog");
}
