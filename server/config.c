/*
 * config: JSON configuration file + environment overrides (see config.h).
 *
 * Numeric settings are described once in a table (key, where it lives, its
 * bounds), so parsing, range checks and error messages cannot drift apart.
 * Unknown keys are refused: a typo must not silently fall back to a default.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "json_scan.h"
#include "lit.h"
#include "log.h"
#include "parse_util.h"

enum num_kind { NUM_UINT, NUM_SIZE };

struct num_setting {
    const char *section; /* NULL = top level */
    const char *key;
    size_t offset;
    enum num_kind kind;
    unsigned long long min, max;
};

#define MIB (1024ULL * 1024ULL)
#define F(field) offsetof(struct sg_config, field)

static const struct num_setting num_settings[] = {
    {NULL, "threads", F(threads), NUM_UINT, 1, 256},
    {"limits", "max_body_record", F(max_body_record), NUM_SIZE, 1024, 64 * MIB},
    {"limits", "max_body_records", F(max_body_records), NUM_SIZE, 1024, 256 * MIB},
    {"limits", "max_record_bytes", F(max_record_bytes), NUM_SIZE, 1024, 10 * MIB},
    /* json_scan's hard ceilings: a larger value would be clamped unseen. */
    {"limits", "max_json_depth", F(max_json_depth), NUM_UINT, 2, SG_JSON_MAX_DEPTH_LIMIT},
    {"limits", "max_object_members", F(max_object_members), NUM_UINT, 1, SG_JSON_MAX_MEMBERS_LIMIT},
    {"limits", "max_connections", F(max_connections), NUM_UINT, 16, 1000000},
    {"limits", "max_header_bytes", F(max_header_bytes), NUM_SIZE, 4096, 1024 * 1024},
    {"limits", "idle_timeout_s", F(idle_timeout_s), NUM_UINT, 1, 3600},
    {"limits", "header_timeout_s", F(header_timeout_s), NUM_UINT, 1, 3600},
    {"limits", "body_grace_s", F(body_grace_s), NUM_UINT, 0, 3600},
    {"limits", "body_min_bytes_per_s", F(body_min_rate), NUM_SIZE, 0, 1024 * MIB},
    {"limits", "queue_max_records", F(queue_max_records), NUM_SIZE, 1, 100000000},
    {"limits", "queue_max_bytes", F(queue_max_bytes), NUM_SIZE, MIB, 64 * 1024 * MIB},
    {"kinesis", "linger_ms", F(linger_ms), NUM_UINT, 0, 1000},
    {"kinesis", "batch_max_records", F(batch_max_records), NUM_UINT, 1, 500},
    {"kinesis", "batch_max_bytes", F(batch_max_bytes), NUM_SIZE, 1024, 10 * MIB},
    {"kinesis", "max_in_flight", F(max_in_flight), NUM_UINT, 1, 1024},
    {"kinesis", "deadline_ms", F(deadline_ms), NUM_UINT, 100, 600000},
    {"kinesis", "connect_timeout_ms", F(connect_timeout_ms), NUM_UINT, 10, 60000},
    {"kinesis", "call_timeout_ms", F(call_timeout_ms), NUM_UINT, 100, 600000},
    {"kinesis", "backoff_base_ms", F(backoff_base_ms), NUM_UINT, 1, 60000},
    {"kinesis", "backoff_max_ms", F(backoff_max_ms), NUM_UINT, 1, 600000},
    {"kinesis", "probe_interval_ms", F(probe_interval_ms), NUM_UINT, 100, 3600000},
    {"shutdown", "delay_ms", F(shutdown_delay_ms), NUM_UINT, 0, 120000},
    {"shutdown", "drain_timeout_ms", F(drain_timeout_ms), NUM_UINT, 0, 120000},
};

/* api_keys and cors are read by policy.c (reloadable on SIGHUP). */
static const char *const top_keys[] = {
    "listen",   "ops_listen", "threads",  "log_level", "access_log", "limits",          "kinesis",
    "shutdown", "streams",    "api_keys", "cors",      "_comment",   "trusted_proxies", NULL};
static const char *const kinesis_str_keys[] = {"region", "endpoint", NULL};
static const char *const stream_keys[] = {"name",
                                          "stream_name",
                                          "stream_arn",
                                          "mode",
                                          "partition_key",
                                          "aggregation",
                                          "aggregation_max_bytes",
                                          "aggregation_linger_ms",
                                          "dead_letter_stream",
                                          "catalog",
                                          "unknown_event_types",
                                          "created_at_window",
                                          "_comment",
                                          NULL};

void sg_config_defaults(struct sg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "0.0.0.0");
    cfg->listen_port = 8080;
    cfg->threads = 2;
    snprintf(cfg->log_level, sizeof cfg->log_level, "info");
    cfg->access_log = true;
    cfg->max_body_record = 2 * MIB;
    cfg->max_body_records = 10 * MIB; /* API Gateway's payload limit */
    cfg->max_record_bytes = MIB;
    cfg->max_json_depth = SG_JSON_MAX_DEPTH_DEFAULT;
    cfg->max_object_members = SG_JSON_MAX_MEMBERS_DEFAULT;
    cfg->max_connections = 10000;
    cfg->max_header_bytes = 16384; /* API Gateway allows 10,240 bytes of header values */
    cfg->idle_timeout_s = 75;      /* longer than the ALB's 60 s idle timeout */
    /* Slow clients (README, Slow clients): a head is at most 16 KiB and
     * the ALB forwards it at once; 10 s is ample for a slow mobile link
     * and bounds a trickled head. A body may start slowly (5 s grace at
     * Kestrel), then must average 1 KiB/s: a 2G link does 5+. */
    cfg->header_timeout_s = 10;
    cfg->body_grace_s = 10;
    cfg->body_min_rate = 1024;
    cfg->queue_max_records = 100000;
    cfg->queue_max_bytes = 64 * MIB;
    cfg->linger_ms = 5;
    cfg->batch_max_records = 500;
    cfg->batch_max_bytes = 5 * MIB;
    cfg->max_in_flight = 8;
    cfg->deadline_ms = 20000; /* well under the ALB's 60 s */
    cfg->connect_timeout_ms = 2000;
    cfg->call_timeout_ms = 10000;
    cfg->backoff_base_ms = 50;
    cfg->backoff_max_ms = 2000;
    cfg->probe_interval_ms = 10000; /* 20 TPS DescribeStreamSummary limit: stay far below */
    /* ECS stops a task with SIGKILL 30 s after SIGTERM: 5 s for the ALB to
     * stop routing here, up to 20 s to flush, the rest as margin. */
    cfg->shutdown_delay_ms = 5000;
    cfg->drain_timeout_ms = 20000;
}

bool sg_config_valid_stream_name(const char *s, size_t len)
{
    return sg_parse_safe_name(s, len, SG_STREAM_NAME_MAX);
}

const struct sg_stream_config *sg_config_find_stream(const struct sg_config *cfg, const char *name,
                                                     size_t len)
{
    for (size_t i = 0; i < cfg->n_streams; i++) {
        const struct sg_stream_config *s = &cfg->streams[i];
        if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
            return s;
    }
    return NULL;
}

static const struct num_setting *find_num(const char *section, const char *key)
{
    for (size_t i = 0; i < sizeof num_settings / sizeof num_settings[0]; i++) {
        const struct num_setting *n = &num_settings[i];
        bool same_section = (section == NULL) ? n->section == NULL
                                              : (n->section && strcmp(n->section, section) == 0);
        if (same_section && strcmp(n->key, key) == 0)
            return n;
    }
    return NULL;
}

static int set_num(struct sg_config *cfg, const struct num_setting *n, json_t *v, const char *path,
                   char *err, size_t cap)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (unsigned long long)json_integer_value(v) < n->min ||
        (unsigned long long)json_integer_value(v) > n->max)
        return sg_parse_fail(err, cap, "%s must be an integer between %llu and %llu", path, n->min,
                             n->max);
    unsigned long long x = (unsigned long long)json_integer_value(v);
    char *base = (char *)cfg;
    if (n->kind == NUM_UINT)
        *(unsigned *)(base + n->offset) = (unsigned)x;
    else
        *(size_t *)(base + n->offset) = (size_t)x;
    return 0;
}

static int copy_str(char *dst, size_t cap, json_t *v, const char *path, char *err, size_t errcap)
{
    if (!json_is_string(v))
        return sg_parse_fail(err, errcap, "%s must be a string", path);
    if (json_string_length(v) >= cap)
        return sg_parse_fail(err, errcap, "%s is too long (at most %zu characters)", path, cap - 1);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* "host:port", "[v6]:port" or ":port" into host (64 bytes) and port. */
static int parse_host_port(char host[64], unsigned *port_out, const char *s, const char *what,
                           char *err, size_t cap)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return sg_parse_fail(err, cap, "%s must be host:port", what);
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > 65535)
        return sg_parse_fail(err, cap, "%s has an invalid port", what);
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
        h++, hl -= 2;
    if (hl >= 64)
        return sg_parse_fail(err, cap, "%s has a host that is too long", what);
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (hl == 0)
        snprintf(host, 64, "0.0.0.0");
    *port_out = (unsigned)port;
    return 0;
}

static int parse_listen(struct sg_config *cfg, const char *s, const char *what, char *err,
                        size_t cap)
{
    return parse_host_port(cfg->listen_host, &cfg->listen_port, s, what, err, cap);
}

static int parse_section(struct sg_config *cfg, json_t *obj, const char *section,
                         const char *const *str_keys, char *err, size_t cap)
{
    if (!json_is_object(obj))
        return sg_parse_fail(err, cap, "%s must be an object", section);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        char path[128];
        snprintf(path, sizeof path, "%s.%s", section, key);
        const struct num_setting *n = find_num(section, key);
        if (n) {
            if (set_num(cfg, n, v, path, err, cap) != 0)
                return -1;
        } else if (str_keys && sg_parse_name_allowed(key, str_keys)) {
            if (json_is_null(v))
                continue;
            char *dst = strcmp(key, "region") == 0 ? cfg->region : cfg->endpoint;
            size_t dcap = strcmp(key, "region") == 0 ? sizeof cfg->region : sizeof cfg->endpoint;
            if (copy_str(dst, dcap, v, path, err, cap) != 0)
                return -1;
        } else if (strcmp(key, "_comment") != 0) {
            return sg_parse_fail(err, cap, "unknown key %s", path);
        }
    }
    return 0;
}

static int parse_stream_enum(json_t *v, const char *path, const char *const *names, int *out,
                             char *err, size_t cap)
{
    if (json_is_string(v))
        for (int i = 0; names[i]; i++)
            if (strcmp(json_string_value(v), names[i]) == 0) {
                *out = i;
                return 0;
            }
    char list[128] = "";
    for (int i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                 names[i]);
    return sg_parse_fail(err, cap, "%s must be one of %s", path, list);
}

/* An unsigned integer member in [lo, hi], or `dflt` when absent. */
static int stream_uint(json_t *obj, const char *key, size_t idx, json_int_t lo, json_int_t hi,
                       json_int_t dflt, json_int_t *out, char *err, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return sg_parse_fail(err, cap, "streams[%zu].%s must be an integer from %lld to %lld", idx,
                             key, (long long)lo, (long long)hi);
    *out = json_integer_value(v);
    return 0;
}

/* aggregation ("none" | "kpl"), aggregation_max_bytes, aggregation_linger_ms. */
static int parse_aggregation(struct sg_stream_config *s, json_t *obj, size_t idx, char *err,
                             size_t cap)
{
    static const char *const kinds[] = {"none", "kpl", NULL};
    char path[96];
    int kind = SG_AGG_NONE;
    json_t *a = json_object_get(obj, "aggregation");
    snprintf(path, sizeof path, "streams[%zu].aggregation", idx);
    if (a && parse_stream_enum(a, path, kinds, &kind, err, cap) != 0)
        return -1;
    json_int_t max_bytes, linger;
    /* An aggregate is one Kinesis record: at most 1 MiB with its partition
     * key (a stream may allow more, but Firehose caps records at 1,000 KiB). */
    if (stream_uint(obj, "aggregation_max_bytes", idx, 1024, 1000 * 1024, SG_AGG_DEFAULT_MAX_BYTES,
                    &max_bytes, err, cap) != 0 ||
        stream_uint(obj, "aggregation_linger_ms", idx, 0, 1000, SG_AGG_DEFAULT_LINGER_MS, &linger,
                    err, cap) != 0)
        return -1;
    s->aggregation = (enum sg_aggregation)kind;
    s->aggregation_max_bytes = (size_t)max_bytes;
    s->aggregation_linger_ms = (unsigned)linger;
    return 0;
}

/* dead_letter_stream: a Kinesis stream name other than the stream's own
 * (bad rows mixed into the events would reach the lake as events). */
static int parse_dead_letter(struct sg_stream_config *s, json_t *v, size_t idx, char *err,
                             size_t cap)
{
    char path[96];
    snprintf(path, sizeof path, "streams[%zu].dead_letter_stream", idx);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) ||
        !sg_config_valid_stream_name(json_string_value(v), json_string_length(v)))
        return sg_parse_fail(
            err, cap, "%s must be a Kinesis stream name: 1-128 characters of [a-zA-Z0-9_.-]", path);
    memcpy(s->dead_letter_stream, json_string_value(v), json_string_length(v) + 1);
    const char *own = s->stream_name;
    if (s->stream_arn[0])
        own = strstr(s->stream_arn, ":stream/") + 8; /* checked by parse_stream */
    if (strcmp(s->dead_letter_stream, own) == 0)
        return sg_parse_fail(err, cap, "%s must name another stream than the stream's own (%s)",
                             path, own);
    return 0;
}

/* created_at_window {max_age_days, max_ahead_s}: defaults from event.h. */
static int parse_window(struct sg_stream_config *s, json_t *w, size_t idx, char *err, size_t cap)
{
    json_int_t age, ahead;
    s->max_age_days = SG_EVENT_MAX_AGE_DAYS_DEFAULT;
    s->max_ahead_s = SG_EVENT_MAX_AHEAD_S_DEFAULT;
    if (!w)
        return 0;
    if (!json_is_object(w))
        return sg_parse_fail(err, cap, "streams[%zu].created_at_window must be an object", idx);
    const char *key;
    json_t *v;
    json_object_foreach(w, key, v)
    {
        if (strcmp(key, "max_age_days") != 0 && strcmp(key, "max_ahead_s") != 0 &&
            strcmp(key, "_comment") != 0)
            return sg_parse_fail(err, cap, "unknown key streams[%zu].created_at_window.%s", idx,
                                 key);
    }
    /* At most a century back and a year ahead: the window is about clocks
     * and offline clients, not about dates decades away. */
    if (stream_uint(w, "max_age_days", idx, 1, 36500, SG_EVENT_MAX_AGE_DAYS_DEFAULT, &age, err,
                    cap) != 0 ||
        stream_uint(w, "max_ahead_s", idx, 0, 31536000, SG_EVENT_MAX_AHEAD_S_DEFAULT, &ahead, err,
                    cap) != 0) {
        /* name the nested key */
        char inner[256];
        snprintf(inner, sizeof inner, "%s", err);
        char *dot = strstr(inner, "].");
        if (dot)
            snprintf(err, cap, "streams[%zu].created_at_window.%s", idx, dot + 2);
        return -1;
    }
    s->max_age_days = (unsigned)age;
    s->max_ahead_s = (unsigned)ahead;
    return 0;
}

/* catalog, unknown_event_types, created_at_window (event streams only).
 * [in] base: the config file's directory ("" for the working directory). */
static int parse_event_rules(struct sg_stream_config *s, json_t *obj, size_t idx, const char *base,
                             char *err, size_t cap)
{
    static const char *const unknown[] = {"reject", "accept", NULL};
    json_t *c = json_object_get(obj, "catalog"), *u = json_object_get(obj, "unknown_event_types");
    json_t *w = json_object_get(obj, "created_at_window");
    char path[96];
    if (s->mode != SG_STREAM_EVENT && (c || u || w))
        return sg_parse_fail(err, cap, "streams[%zu].%s needs mode \"event\"", idx,
                             c   ? "catalog"
                             : u ? "unknown_event_types"
                                 : "created_at_window");
    if (c) {
        if (!json_is_string(c) || json_string_length(c) == 0)
            return sg_parse_fail(err, cap, "streams[%zu].catalog must be a directory name", idx);
        const char *dir = json_string_value(c);
        bool relative = dir[0] != '/' && base[0];
        int n = snprintf(s->catalog, sizeof s->catalog, "%s%s%s", relative ? base : "",
                         relative ? "/" : "", dir);
        if (n < 0 || (size_t)n >= sizeof s->catalog)
            return sg_parse_fail(err, cap, "streams[%zu].catalog is too long", idx);
    }
    int mode = 0;
    snprintf(path, sizeof path, "streams[%zu].unknown_event_types", idx);
    if (u && parse_stream_enum(u, path, unknown, &mode, err, cap) != 0)
        return -1;
    if (u && !c)
        return sg_parse_fail(err, cap,
                             "%s needs a catalog (without one every event type that "
                             "follows the event contract is accepted)",
                             path);
    s->accept_unknown_types = mode == 1;
    return parse_window(s, w, idx, err, cap);
}

static int parse_stream(struct sg_stream_config *s, json_t *obj, size_t idx, const char *base,
                        char *err, size_t cap)
{
    static const char *const modes[] = {"event", "passthrough", NULL};
    static const char *const pk_rules[] = {"client", "event_uuid", "random", NULL};
    char path[96];
    if (!json_is_object(obj))
        return sg_parse_fail(err, cap, "streams[%zu] must be an object", idx);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (!sg_parse_name_allowed(key, stream_keys))
            return sg_parse_fail(err, cap, "unknown key streams[%zu].%s", idx, key);
    }
    snprintf(path, sizeof path, "streams[%zu].name", idx);
    json_t *name = json_object_get(obj, "name");
    if (!name)
        return sg_parse_fail(err, cap, "%s is required", path);
    if (copy_str(s->name, sizeof s->name, name, path, err, cap) != 0)
        return -1;
    if (!sg_config_valid_stream_name(s->name, strlen(s->name)))
        return sg_parse_fail(err, cap, "%s must be 1-128 characters of [a-zA-Z0-9_.-]", path);

    json_t *sn = json_object_get(obj, "stream_name"), *arn = json_object_get(obj, "stream_arn");
    snprintf(path, sizeof path, "streams[%zu].stream_name", idx);
    if (sn && arn)
        return sg_parse_fail(err, cap, "streams[%zu] must set stream_name or stream_arn, not both",
                             idx);
    if (arn) {
        snprintf(path, sizeof path, "streams[%zu].stream_arn", idx);
        if (copy_str(s->stream_arn, sizeof s->stream_arn, arn, path, err, cap) != 0)
            return -1;
        const char *sname = strstr(s->stream_arn, ":stream/");
        if (!SG_LIT_PREFIX(s->stream_arn, "arn:") || !strstr(s->stream_arn, ":kinesis:") ||
            !sname || !sg_config_valid_stream_name(sname + 8, strlen(sname + 8)))
            return sg_parse_fail(
                err, cap, "%s must look like arn:aws:kinesis:REGION:ACCOUNT:stream/NAME", path);
    } else if (sn) {
        if (copy_str(s->stream_name, sizeof s->stream_name, sn, path, err, cap) != 0)
            return -1;
        if (!sg_config_valid_stream_name(s->stream_name, strlen(s->stream_name)))
            return sg_parse_fail(err, cap, "%s must be 1-128 characters of [a-zA-Z0-9_.-]", path);
    } else {
        memcpy(s->stream_name, s->name, sizeof s->name);
    }

    int mode = SG_STREAM_EVENT, pk = SG_PK_CLIENT;
    json_t *m = json_object_get(obj, "mode"), *p = json_object_get(obj, "partition_key");
    snprintf(path, sizeof path, "streams[%zu].mode", idx);
    if (m && parse_stream_enum(m, path, modes, &mode, err, cap) != 0)
        return -1;
    snprintf(path, sizeof path, "streams[%zu].partition_key", idx);
    if (p && parse_stream_enum(p, path, pk_rules, &pk, err, cap) != 0)
        return -1;
    if (mode == SG_STREAM_PASSTHROUGH && pk == SG_PK_EVENT_UUID)
        return sg_parse_fail(err, cap, "%s \"event_uuid\" needs mode \"event\"", path);
    s->mode = (enum sg_stream_mode)mode;
    s->partition_key = (enum sg_partition_rule)pk;
    if (parse_event_rules(s, obj, idx, base, err, cap) != 0 ||
        parse_dead_letter(s, json_object_get(obj, "dead_letter_stream"), idx, err, cap) != 0)
        return -1;
    return parse_aggregation(s, obj, idx, err, cap);
}

static int parse_streams(struct sg_config *cfg, json_t *arr, const char *base, char *err,
                         size_t cap)
{
    if (!json_is_array(arr))
        return sg_parse_fail(err, cap, "streams must be an array");
    if (json_array_size(arr) > SG_CONFIG_MAX_STREAMS)
        return sg_parse_fail(err, cap, "streams has more than %d entries", SG_CONFIG_MAX_STREAMS);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (parse_stream(&cfg->streams[i], v, i, base, err, cap) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->streams[j].name, cfg->streams[i].name) == 0)
                return sg_parse_fail(err, cap, "streams[%zu].name \"%s\" is listed twice", i,
                                     cfg->streams[i].name);
    }
    cfg->n_streams = json_array_size(arr);
    return 0;
}

/* "trusted_proxies": ["10.0.0.0/16", "fd00::/8", ...] */
static int parse_trusted_proxies(struct sg_config *cfg, json_t *arr, char *err, size_t cap)
{
    if (!json_is_array(arr))
        return sg_parse_fail(err, cap, "trusted_proxies must be an array of CIDRs");
    if (json_array_size(arr) > SG_CONFIG_MAX_PROXIES)
        return sg_parse_fail(err, cap, "trusted_proxies has more than %d entries",
                             SG_CONFIG_MAX_PROXIES);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || sg_cidr_parse(json_string_value(v), json_string_length(v),
                                                &cfg->trusted_proxies[i]) != 0)
            return sg_parse_fail(err, cap,
                                 "trusted_proxies[%zu] must be an IPv4 or IPv6 CIDR such as "
                                 "10.0.0.0/16 or fd00::/8",
                                 i);
    }
    cfg->n_trusted_proxies = json_array_size(arr);
    return 0;
}

static int parse_top(struct sg_config *cfg, json_t *root, const char *base, char *err, size_t cap)
{
    if (!json_is_object(root))
        return sg_parse_fail(err, cap, "the configuration must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (!sg_parse_name_allowed(key, top_keys))
            return sg_parse_fail(err, cap, "unknown key %s", key);
    }
    json_t *x;
    if ((x = json_object_get(root, "listen"))) {
        if (!json_is_string(x))
            return sg_parse_fail(err, cap, "listen must be a string host:port");
        if (parse_listen(cfg, json_string_value(x), "listen", err, cap) != 0)
            return -1;
    }
    if ((x = json_object_get(root, "ops_listen")) && !json_is_null(x)) {
        if (!json_is_string(x))
            return sg_parse_fail(err, cap, "ops_listen must be a string host:port");
        if (parse_host_port(cfg->ops_host, &cfg->ops_port, json_string_value(x), "ops_listen", err,
                            cap) != 0)
            return -1;
    }
    if ((x = json_object_get(root, "threads")) &&
        set_num(cfg, find_num(NULL, "threads"), x, "threads", err, cap) != 0)
        return -1;
    if ((x = json_object_get(root, "log_level")) &&
        copy_str(cfg->log_level, sizeof cfg->log_level, x, "log_level", err, cap) != 0)
        return -1;
    if ((x = json_object_get(root, "access_log"))) {
        if (!json_is_boolean(x))
            return sg_parse_fail(err, cap, "access_log must be true or false");
        cfg->access_log = json_is_true(x);
    }
    if ((x = json_object_get(root, "limits")) &&
        parse_section(cfg, x, "limits", NULL, err, cap) != 0)
        return -1;
    if ((x = json_object_get(root, "trusted_proxies")) &&
        parse_trusted_proxies(cfg, x, err, cap) != 0)
        return -1;
    if ((x = json_object_get(root, "kinesis")) &&
        parse_section(cfg, x, "kinesis", kinesis_str_keys, err, cap) != 0)
        return -1;
    if ((x = json_object_get(root, "shutdown")) &&
        parse_section(cfg, x, "shutdown", NULL, err, cap) != 0)
        return -1;
    x = json_object_get(root, "streams");
    if (!x)
        return sg_parse_fail(err, cap, "streams is required (at least one stream)");
    return parse_streams(cfg, x, base, err, cap);
}

static int apply_env(struct sg_config *cfg, sg_env_lookup_fn env, void *ctx, char *err, size_t cap)
{
    const char *v;
    if ((v = env("STREAMGATE_LISTEN", ctx)) && *v &&
        parse_listen(cfg, v, "STREAMGATE_LISTEN", err, cap) != 0)
        return -1;
    if ((v = env("STREAMGATE_OPS_LISTEN", ctx)) && *v &&
        parse_host_port(cfg->ops_host, &cfg->ops_port, v, "STREAMGATE_OPS_LISTEN", err, cap) != 0)
        return -1;
    if ((v = env("STREAMGATE_LOG_LEVEL", ctx)) && *v) {
        if (strlen(v) >= sizeof cfg->log_level)
            return sg_parse_fail(err, cap,
                                 "STREAMGATE_LOG_LEVEL must be one of debug, info, warn, error");
        snprintf(cfg->log_level, sizeof cfg->log_level, "%s", v);
    }
    if ((v = env("STREAMGATE_THREADS", ctx)) && *v) {
        char *end;
        unsigned long t = strtoul(v, &end, 10);
        if (*end || t < 1 || t > 256)
            return sg_parse_fail(err, cap,
                                 "STREAMGATE_THREADS must be an integer between 1 and 256");
        cfg->threads = (unsigned)t;
    }
    const char *region = env("AWS_REGION", ctx);
    if (!region || !*region)
        region = env("AWS_DEFAULT_REGION", ctx);
    if (region && *region)
        snprintf(cfg->region, sizeof cfg->region, "%s", region);

    const char *ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", ctx);
    if (ignore && strcmp(ignore, "true") == 0) {
        cfg->endpoint[0] = '\0';
        return 0;
    }
    const char *ep = env("AWS_ENDPOINT_URL_KINESIS", ctx);
    if (!ep || !*ep)
        ep = env("AWS_ENDPOINT_URL", ctx);
    if (ep && *ep) {
        if (strlen(ep) >= sizeof cfg->endpoint)
            return sg_parse_fail(err, cap, "AWS_ENDPOINT_URL_KINESIS is too long");
        snprintf(cfg->endpoint, sizeof cfg->endpoint, "%s", ep);
    }
    return 0;
}

static int validate(struct sg_config *cfg, char *err, size_t cap)
{
    enum sg_log_level lvl;
    if (sg_log_level_parse(cfg->log_level, &lvl) != 0)
        return sg_parse_fail(err, cap, "log_level must be one of debug, info, warn, error");
    if (!cfg->region[0])
        return sg_parse_fail(err, cap,
                             "kinesis.region is not set (set AWS_REGION or kinesis.region)");
    if (cfg->endpoint[0] && !SG_LIT_PREFIX(cfg->endpoint, "http://") &&
        !SG_LIT_PREFIX(cfg->endpoint, "https://"))
        return sg_parse_fail(err, cap, "kinesis.endpoint must start with http:// or https://");
    if (cfg->backoff_max_ms < cfg->backoff_base_ms)
        return sg_parse_fail(err, cap, "kinesis.backoff_max_ms must be >= kinesis.backoff_base_ms");
    if (cfg->max_record_bytes > cfg->batch_max_bytes)
        return sg_parse_fail(err, cap,
                             "limits.max_record_bytes must be <= kinesis.batch_max_bytes");
    if (cfg->n_streams == 0)
        return sg_parse_fail(err, cap, "streams must list at least one stream");
    return 0;
}

/* [in] base: the directory relative paths in the file are resolved in. */
static int load_text_in(const char *text, const char *base, sg_env_lookup_fn env, void *env_ctx,
                        struct sg_config *cfg, char *err, size_t err_cap)
{
    json_error_t jerr;
    sg_config_defaults(cfg);
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sg_parse_fail(err, err_cap, "invalid JSON at line %d column %d: %s", jerr.line,
                             jerr.column, jerr.text);
    int rc = parse_top(cfg, root, base, err, err_cap);
    json_decref(root);
    if (rc == 0)
        rc = apply_env(cfg, env, env_ctx, err, err_cap);
    if (rc == 0)
        rc = validate(cfg, err, err_cap);
    return rc;
}

int sg_config_load(const char *path, sg_env_lookup_fn env, void *env_ctx, struct sg_config *cfg,
                   char *err, size_t err_cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char why[128];
        int e = errno;
        strerror_r(e, why, sizeof why);
        return sg_parse_fail(err, err_cap, "cannot open %s: %s", path, why);
    }
    struct sg_buf text;
    sg_buf_init(&text, 4 * MIB);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sg_buf_append(&text, chunk, n) != 0) {
            rc = sg_parse_fail(err, err_cap, "%s is larger than 4 MiB", path);
            break;
        }
    fclose(f);
    if (rc == 0 && text.len == 0)
        rc = sg_parse_fail(err, err_cap, "%s is empty", path);
    char base[SG_CONFIG_PATH_MAX + 1] = "";
    const char *slash = strrchr(path, '/');
    if (slash && (size_t)(slash - path) < sizeof base)
        memcpy(base, path, (size_t)(slash - path) + (slash == path)); /* "/x.json": "/" */
    if (rc == 0)
        rc = load_text_in(text.data, base, env, env_ctx, cfg, err, err_cap);
    sg_buf_free(&text);
    return rc;
}
