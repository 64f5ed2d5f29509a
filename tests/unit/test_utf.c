/* Unit tests for core/utf.c: UTF-8 decoding/encoding/validation and the
 * UTF-16 length captions are measured in (as TikTok and JavaScript count).
 * With --judge it reads length-prefixed byte strings on stdin (4 bytes
 * big-endian, then the bytes) and prints pm3k_utf16_length of each, one a
 * line: tests/scripts/test_utf16_length.sh compares them with node's
 * Buffer.from(bytes).toString('utf8').length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf_int.h"
#include "pm3k/utf.h"

#define LEN(s) (sizeof(s) - 1)

static void decode_ascii_and_multibyte(void **state)
{
    uint32_t cp = 0;
    (void)state;
    assert_int_equal(pm3k_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(pm3k_utf8_decode("\xC3\xA9", 2, &cp), 2); /* é */
    assert_int_equal(cp, 0xE9);
    assert_int_equal(pm3k_utf8_decode("\xE2\x82\xAC", 3, &cp), 3); /* € */
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(pm3k_utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4); /* 😀 */
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(pm3k_utf8_decode("", 0, &cp), 0);
}

static void decode_invalid_uses_one_byte(void **state)
{
    static const char *const bad[] = {
        "\x80",             /* lone continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* UTF-16 surrogate D800 */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xF8\x88\x80\x80", /* 5-byte form */
        "\xE2\x82",         /* cut short */
        "\xFF",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t cp = 0;
        assert_int_equal(pm3k_utf8_decode(bad[i], strlen(bad[i]), &cp), 1);
        assert_int_equal(cp, 0xFFFD);
        assert_false(pm3k_utf8_valid(bad[i], strlen(bad[i])));
    }
}

static void encode_round_trips(void **state)
{
    static const uint32_t points[] = {0x24, 0xA2, 0x939, 0x20AC, 0xD55C, 0xFFFD, 0x10348, 0x10FFFF};
    (void)state;
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        char buf[4];
        uint32_t back = 0;
        size_t n = pm3k_utf8_encode(points[i], buf);
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(pm3k_utf8_decode(buf, n, &back), n);
        assert_int_equal(back, points[i]);
        assert_true(pm3k_utf8_valid(buf, n));
    }
    char buf[4];
    assert_int_equal(pm3k_utf8_encode(0xD800, buf), 0);
    assert_int_equal(pm3k_utf8_encode(0x110000, buf), 0);
}

static void valid_accepts_real_text_and_literal_fffd(void **state)
{
    (void)state;
    const char text[] = "Nouveauté 🎉 مرحبا שלום e\xCC\x81 \xEF\xBF\xBD";
    assert_true(pm3k_utf8_valid(text, LEN(text)));
    assert_true(pm3k_utf8_valid("", 0));
    /* a NUL byte is valid UTF-8 (callers decide whether they want it) */
    assert_true(pm3k_utf8_valid("a\0b", 3));
}

static void utf16_length_counts_units(void **state)
{
    (void)state;
    assert_int_equal(pm3k_utf16_length("", 0), 0);
    assert_int_equal(pm3k_utf16_length("abc", 3), 3);
    assert_int_equal(pm3k_utf16_length("\xC3\xA9", 2), 1);         /* é: 1 */
    assert_int_equal(pm3k_utf16_length("e\xCC\x81", 3), 2);        /* e + combining acute */
    assert_int_equal(pm3k_utf16_length("\xF0\x9F\x98\x80", 4), 2); /* 😀: a surrogate pair */
    assert_int_equal(pm3k_utf16_length("\xE2\x82\xAC", 3), 1);     /* € */
    /* 👩‍👩‍👧: three emoji (2 each) and two ZWJ (1 each) = 8, as JavaScript's .length */
    const char family[] =
        "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
    assert_int_equal(pm3k_utf16_length(family, LEN(family)), 8);
    /* 🇫🇷: two regional indicators = 4 */
    const char flag[] = "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7";
    assert_int_equal(pm3k_utf16_length(flag, LEN(flag)), 4);
    /* Arabic and Hebrew letters are one unit each */
    const char rtl[] = "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D";
    assert_int_equal(pm3k_utf16_length(rtl, LEN(rtl)), 10);
    /* bytes that are no UTF-8 count one unit each (decoded as U+FFFD) */
    assert_int_equal(pm3k_utf16_length("\xFF\xFE", 2), 2);
    assert_int_equal(pm3k_utf16_length("a\0b", 3), 3);
}

/* Invalid UTF-8 is counted as Node decodes it: one U+FFFD, one unit, per
 * maximal subpart (WHATWG), not per byte. */
static void utf16_length_of_invalid_utf8_as_node(void **state)
{
    static const struct {
        const char *bytes;
        size_t units;
    } rows[] = {
        {"\xE2\x82", 1},                     /* a 3-byte sequence cut short */
        {"\xE2\x82x", 2},                    /* ... and the byte after it */
        {"\xF0\x9F\x98", 1},                 /* a 4-byte sequence cut short */
        {"\xF0\x9F\x98\xF0\x9F\x98\x80", 3}, /* cut short, then an emoji (2) */
        {"\xED\xA0\x80", 3},                 /* a surrogate: ED stops at A0 */
        {"\xED\x9F\xBF", 1},                 /* U+D7FF is fine */
        {"\xC0\xAF", 2},                     /* C0 never starts a sequence */
        {"\xE0\x80\xAF", 3},                 /* overlong: E0 needs A0..BF next */
        {"\xE0\xA0", 1},                     /* but E0 A0 is a good start */
        {"\xF4\x90\x80\x80", 4},             /* past U+10FFFF: F4 needs 80..8F next */
        {"\xF4\x8F\xBF", 1},                 /* a good start of U+10FFFF */
        {"\xF5\x80", 2},                     /* F5..FF never start one */
        {"\x80\x80", 2},                     /* lone continuations */
        {"\xC3", 1},                         /* cut at the end */
        {"\xC3\xC3\xA9", 2},                 /* a lead byte, then a whole é */
        {"\xF0\x9F\x98\x80", 2},             /* valid: a surrogate pair */
    };
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t got = pm3k_utf16_length(rows[i].bytes, strlen(rows[i].bytes));
        if (got != rows[i].units)
            fail_msg("row %zu: %zu units, expected %zu", i, got, rows[i].units);
    }
    uint32_t cp = 0;
    assert_int_equal(pm3k__utf8_decode_whatwg("\xE2\x82x", 3, &cp), 2);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(pm3k__utf8_decode_whatwg("\xE2\x82\xAC", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(pm3k__utf8_decode_whatwg("", 0, &cp), 0);
}

static void utf16_length_at_title_limits(void **state)
{
    char buf[4 * 1101];
    (void)state;
    for (size_t i = 0; i < 1101; i++)
        memcpy(buf + 4 * i, "\xF0\x9F\x98\x80", 4);
    assert_int_equal(pm3k_utf16_length(buf, 4 * 1100), 2200);
    assert_int_equal(pm3k_utf16_length(buf, 4 * 1101), 2202);
    /* a 4-byte sequence cut in the middle: one U+FFFD, as Node reads it */
    assert_int_equal(pm3k_utf16_length(buf, 4 * 1100 + 2), 2201);
}

static int judge(void)
{
    unsigned char head[4];
    while (fread(head, 1, 4, stdin) == 4) {
        size_t len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
        char *bytes = malloc(len ? len : 1);
        if (!bytes || fread(bytes, 1, len, stdin) != len) {
            free(bytes);
            return 2;
        }
        printf("%zu\n", pm3k_utf16_length(bytes, len));
        free(bytes);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--judge") == 0)
        return judge();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_ascii_and_multibyte),
        cmocka_unit_test(decode_invalid_uses_one_byte),
        cmocka_unit_test(encode_round_trips),
        cmocka_unit_test(valid_accepts_real_text_and_literal_fffd),
        cmocka_unit_test(utf16_length_counts_units),
        cmocka_unit_test(utf16_length_of_invalid_utf8_as_node),
        cmocka_unit_test(utf16_length_at_title_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
