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

/* Writes one pre-built JSON object line (the access log). */
void sg_log_line(const char *json, unsigned long len);

#endif
