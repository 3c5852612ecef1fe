/*
 * test_buf: the bounded byte buffer (server/buf.h): limit enforcement (an
 * append past the limit fails and leaves the buffer unchanged), NUL
 * termination, printf, JSON string escaping, base64 against the RFC 4648
 * vectors, reset.
 */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_empty(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 16);
    CHECK(b.data == NULL && b.len == 0, "fresh buffer is empty");
    sg_buf_free(&b);
    sg_buf_free(NULL); /* NULL-safe */
    CHECK(b.data == NULL && b.len == 0, "free leaves it empty");
}

static void test_limit(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 8);
    CHECK(sg_buf_append(&b, "12345", 5) == 0, "5 of 8");
    CHECK(b.len == 5 && strcmp(b.data, "12345") == 0, "content [%s]", b.data);
    CHECK(sg_buf_append(&b, "6789", 4) == SG_BUF_TOO_LARGE, "9 of 8 refused");
    CHECK(b.len == 5 && strcmp(b.data, "12345") == 0, "unchanged after refusal [%s]", b.data);
    CHECK(sg_buf_append(&b, "678", 3) == 0, "exactly 8 of 8");
    CHECK(b.len == 8 && strcmp(b.data, "12345678") == 0, "full [%s]", b.data);
    CHECK(sg_buf_append_char(&b, 'x') == SG_BUF_TOO_LARGE, "one char past the limit refused");
    CHECK(sg_buf_append_str(&b, "") == 0, "empty append at the limit is fine");
    CHECK(sg_buf_reserve(&b, 1) == SG_BUF_TOO_LARGE, "reserve past the limit refused");
    CHECK(sg_buf_reserve(&b, 0) == 0, "reserve 0 at the limit");
    CHECK(sg_buf_printf(&b, "%d", 1) == SG_BUF_TOO_LARGE, "printf past the limit refused");
    CHECK(b.len == 8 && strcmp(b.data, "12345678") == 0, "still unchanged [%s]", b.data);
    CHECK(sg_buf_reserve(&b, SIZE_MAX) == SG_BUF_TOO_LARGE, "huge reserve refused");

    sg_buf_reset(&b);
    CHECK(b.len == 0 && b.data && b.data[0] == '\0', "reset empties, keeps memory");
    CHECK(sg_buf_append(&b, "abcdefgh", 8) == 0, "room again after reset");
    CHECK(b.len == 8 && strcmp(b.data, "abcdefgh") == 0, "after reset [%s]", b.data);
    sg_buf_free(&b);

    /* limit 0 means unlimited: grow well past the first capacity */
    sg_buf_init(&b, 0);
    int rc = 0;
    for (int i = 0; i < 10000; i++)
        rc |= sg_buf_append(&b, "0123456789", 10);
    CHECK(rc == 0 && b.len == 100000, "unlimited buffer grew to %zu", b.len);
    CHECK(b.data[99999] == '9' && b.data[100000] == '\0', "tail and NUL");
    CHECK(memcmp(b.data + 50000, "0123456789", 10) == 0, "middle content");
    sg_buf_free(&b);

    /* a limit above the first capacity (256): growth is clamped to the limit */
    sg_buf_init(&b, 300);
    char block[300];
    memset(block, 'z', sizeof block);
    CHECK(sg_buf_append(&b, block, 299) == 0, "299 of 300");
    CHECK(sg_buf_append(&b, block, 2) == SG_BUF_TOO_LARGE, "301 of 300 refused");
    CHECK(sg_buf_append(&b, block, 1) == 0 && b.len == 300 && b.data[300] == '\0', "300 of 300");
    sg_buf_free(&b);
}

static void test_printf(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 64);
    CHECK(sg_buf_printf(&b, "%s=%d", "a", 42) == 0, "printf");
    CHECK(sg_buf_printf(&b, ",%05u", 7u) == 0, "printf appends");
    CHECK(b.len == 10 && strcmp(b.data, "a=42,00007") == 0, "printf [%s] %zu", b.data, b.len);
    CHECK(sg_buf_printf(&b, "%s", "") == 0 && b.len == 10, "empty printf");
    sg_buf_free(&b);

    sg_buf_init(&b, 5);
    CHECK(sg_buf_printf(&b, "%s", "12345") == 0 && b.len == 5, "printf exactly at limit");
    sg_buf_free(&b);
}

static void test_json_string(void)
{
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } rows[] = {
        {"", 0, "\"\""},
        {"abc", 3, "\"abc\""},
        {"a\"b", 3, "\"a\\\"b\""},
        {"a\\b", 3, "\"a\\\\b\""},
        {"/", 1, "\"/\""},
        {"\n\r\t", 3, "\"\\n\\r\\t\""},
        {"\b\f", 2, "\"\\u0008\\u000c\""},
        {"\x01\x1f", 2, "\"\\u0001\\u001f\""},
        {"\0x", 2, "\"\\u0000x\""},
        {"\x7f", 1, "\"\x7f\""},
        {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
        {" ", 1, "\" \""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_buf b;
        sg_buf_init(&b, 1024);
        CHECK(sg_buf_append_str(&b, "k:") == 0, "prefix");
        int rc = sg_buf_append_json_string(&b, rows[i].in, rows[i].len);
        CHECK(rc == 0, "row %zu refused", i);
        size_t wl = strlen(rows[i].want);
        CHECK(rc == 0 && b.len == 2 + wl && memcmp(b.data, "k:", 2) == 0 &&
                  memcmp(b.data + 2, rows[i].want, wl) == 0 && b.data[b.len] == '\0',
              "row %zu: got [%s] want [k:%s]", i, b.data, rows[i].want);
        sg_buf_free(&b);
    }

    /* refused past the limit, buffer unchanged */
    struct sg_buf b;
    sg_buf_init(&b, 4);
    CHECK(sg_buf_append_str(&b, "xy") == 0, "prefix");
    CHECK(sg_buf_append_json_string(&b, "abcdef", 6) == SG_BUF_TOO_LARGE, "over the limit refused");
    CHECK(b.len == 2 && strcmp(b.data, "xy") == 0, "unchanged [%s]", b.data);
    sg_buf_free(&b);
}

static void test_base64(void)
{
    /* RFC 4648 section 10 */
    static const struct {
        const char *in;
        const char *want;
    } rows[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct sg_buf b;
        sg_buf_init(&b, 64);
        CHECK(sg_buf_append_char(&b, '<') == 0, "prefix");
        CHECK(sg_buf_append_base64(&b, rows[i].in, strlen(rows[i].in)) == 0, "row %zu", i);
        char want[64];
        snprintf(want, sizeof want, "<%s", rows[i].want);
        CHECK_STREQ(b.data, want, rows[i].in);
        CHECK(b.len == strlen(want), "len %zu", b.len);
        sg_buf_free(&b);
    }

    /* binary bytes, and the characters only base64 (not base64url) uses */
    static const unsigned char bin[] = {0x00, 0xff, 0xfe, 0xfb, 0xef, 0xbe, 0x00};
    struct sg_buf b;
    sg_buf_init(&b, 64);
    CHECK(sg_buf_append_base64(&b, bin, sizeof bin) == 0, "binary");
    CHECK_STREQ(b.data, "AP/+++++AA==", "binary");
    sg_buf_free(&b);

    /* no line breaks for long input (EVP_EncodeUpdate would add them) */
    unsigned char big[300];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)i;
    sg_buf_init(&b, 0);
    CHECK(sg_buf_append_base64(&b, big, sizeof big) == 0, "big");
    CHECK(b.len == 400 && strchr(b.data, '\n') == NULL, "400 chars, no newline: %zu", b.len);
    CHECK(strncmp(b.data, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44) == 0, "big prefix");
    sg_buf_free(&b);

    /* past the limit: refused, unchanged */
    sg_buf_init(&b, 7);
    CHECK(sg_buf_append_base64(&b, "foob", 4) == SG_BUF_TOO_LARGE, "8 chars into 7 refused");
    CHECK(b.len == 0, "unchanged");
    CHECK(sg_buf_append_base64(&b, "foo", 3) == 0 && strcmp(b.data, "Zm9v") == 0, "4 fit");
    sg_buf_free(&b);
}

/* Over the limit and out of memory are told apart (413 vs 503 upstream). */
static void test_no_memory(void)
{
    struct sg_buf b;
    sg_buf_init(&b, 0); /* no limit of its own: only memory bounds it */
    CHECK(sg_buf_append(&b, "abc", 3) == SG_BUF_OK, "a small append");
    CHECK(sg_buf_reserve(&b, SIZE_MAX / 4) == SG_BUF_NO_MEMORY, "4 EiB: no memory, not too large");
    CHECK(b.len == 3 && memcmp(b.data, "abc", 4) == 0, "the buffer is unchanged");
    struct sg_buf small;
    sg_buf_init(&small, 2);
    CHECK(sg_buf_reserve(&small, SIZE_MAX / 4) == SG_BUF_TOO_LARGE, "the limit is checked first");
    sg_buf_free(&small);
    sg_buf_free(&b);
}

int main(void)
{
    test_empty();
    test_limit();
    test_printf();
    test_json_string();
    test_base64();
    test_no_memory();
    return sg_check_result("test_buf");
}
