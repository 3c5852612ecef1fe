/*
 * log: leveled service logs as JSON lines on stdout (what CloudWatch via the
 * awslogs driver expects: one JSON object per line).
 *
 * The level is process-wide and set once at start-up (sg_log_set_level)
 * before any thread runs; writes are a single fwrite of a complete line so
 * lines from different threads never interleave.
 * Never pass secrets, API keys or event payloads to these functions.
 */
#ifndef SG_LOG_H
#define SG_LOG_H

enum sg_log_level { SG_LOG_DEBUG = 0, SG_LOG_INFO, SG_LOG_WARN, SG_LOG_ERROR };

void sg_log_set_level(enum sg_log_level level);

/* Parses "debug", "info", "warn", "error". Returns 0, or -1 if unknown. */
int sg_log_level_parse(const char *s, enum sg_log_level *out);

/* True when a line at `level` would be written (to skip building it). */
int sg_log_enabled(enum sg_log_level level);

/* Writes {"ts":...,"level":...,"msg":<fmt...>} followed by the members in
 * `fields_json` (a fragment like "\"stream\":\"events\"", or NULL). */
void sg_log_fields(enum sg_log_level level, const char *fields_json, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define sg_log(level, ...) sg_log_fields((level), NULL, __VA_ARGS__)

struct sg_buf;

/* Appends `s` (n bytes, borrowed; any bytes, e.g. a client's path) to b as
 * a JSON string that is always valid UTF-8: valid UTF-8 is kept, control
 * characters, quotes and backslashes are escaped, and each byte that is not
 * part of a valid UTF-8 sequence is written as the text \xHH (escaped
 * backslash), so the log line stays valid JSON and shows what was sent.
 * Returns 0, or -1 when b is over its limit or out of memory. */
int sg_log_append_json_text(struct sg_buf *b, const char *s, unsigned long n)
    __attribute__((warn_unused_result));

/* Writes one pre-built JSON object line (the access log). */
void sg_log_line(const char *json, unsigned long len);

#endif
