/*
 * fuzz_answer: the PutRecords answer parser (sg_kinesis_parse_put_records).
 *
 * Input: one byte for the records sent (0-11), then the answer's bytes.
 * The usual shape of an answer is read by a dedicated one-pass scanner and
 * anything else by the generic validator (kinesis_codec.c); a leading space
 * is valid JSON that the scanner never takes. So for any input:
 *   - the answer and the same answer after a space give the same outcome:
 *     the same return, error text and, callback by callback, the same
 *     index, status, sequence number, shard, error code, message and
 *     EncryptionType (the scanner is exactly the generic path where it
 *     answers);
 *   - callbacks come in order, one per record sent, or none at all;
 *   - every text is NUL-terminated within its field (ASan checks the reads).
 * A broken property calls abort(), which libFuzzer and the replay runner
 * both report as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinesis/kinesis_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SENT 12

static void require(bool ok)
{
    if (!ok)
        abort();
}

struct outcome {
    size_t n;
    int status[MAX_SENT];
    char text[MAX_SENT][5][SG_KINESIS_ERROR_MESSAGE_MAX + 2];
};

static void put(char *dst, const char *s)
{
    if (!s) {
        memcpy(dst, "\x01", 2); /* NULL, distinct from any text */
        return;
    }
    size_t n = strlen(s);
    require(n <= SG_KINESIS_ERROR_MESSAGE_MAX);
    memcpy(dst, s, n + 1);
}

static void collect(void *ctx, size_t index, const struct sg_kinesis_result *r)
{
    struct outcome *o = ctx;
    require(index == o->n && o->n < MAX_SENT);
    o->status[o->n] = (int)r->status;
    put(o->text[o->n][0], r->sequence_number);
    put(o->text[o->n][1], r->shard_id);
    put(o->text[o->n][2], r->error_code);
    put(o->text[o->n][3], r->error_message);
    put(o->text[o->n][4], r->encryption_type);
    o->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct outcome a, b; /* ~60 KiB each: not on the stack */
    if (size < 1)
        return 0;
    size_t sent = data[0] % MAX_SENT, len = size - 1;
    char *body = malloc(len + 1), *spaced = malloc(len + 2);
    if (!body || !spaced) {
        free(body);
        free(spaced);
        return 0;
    }
    memcpy(body, data + 1, len); /* exactly len bytes: ASan sees a read past them */
    spaced[0] = ' ';
    memcpy(spaced + 1, data + 1, len);
    struct sg_kinesis_error e1, e2;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    a.n = b.n = 0;
    int r1 = sg_kinesis_parse_put_records(body, len, sent, collect, &a, &e1);
    int r2 = sg_kinesis_parse_put_records(spaced, len + 1, sent, collect, &b, &e2);
    require(r1 == r2 && a.n == b.n);
    require(r1 == 0 ? a.n == sent : a.n == 0);
    if (r1 != 0)
        require(strcmp(e1.code, e2.code) == 0 && strcmp(e1.message, e2.message) == 0);
    for (size_t i = 0; i < a.n; i++) {
        require(a.status[i] == b.status[i]);
        for (int k = 0; k < 5; k++)
            require(strcmp(a.text[i][k], b.text[i][k]) == 0);
    }
    free(body);
    free(spaced);
    return 0;
}
