/* libFuzzer target for the payload lint (payload/scan.c, body.c, lint.c,
 * canon.c, caption.c). The first byte picks options (--domain, --stop-words,
 * small title limits, the canonical form); the rest is the body. Besides
 * "never crash, hang or leak", it checks three properties of the fix: it is
 * a fixed point (fix(fix(x)) == fix(x)), a fixed body never fails to parse,
 * and every number in it is written as in the body (or is a whole number
 * of at most 9 digits the fix made from a string or added). The body also
 * goes through the caption helpers and the stop-word parser, and the
 * position and reason of invalid JSON are checked. */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "payload/payload_int.h"
#include "pm3k/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_word(void *userdata, const char *word)
{
    (void)word;
    (*(size_t *)userdata)++;
}

/* Each number of the fixed body, byte for byte, in the body. */
static void check_numbers(const char *fixed, const char *body, size_t len)
{
    for (const char *p = fixed; *p;) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            p += *p == '"';
            continue;
        }
        if (*p != '-' && (*p < '0' || *p > '9')) {
            p++;
            continue;
        }
        size_t n = strspn(p, "0123456789+-.eE");
        bool small_integer = n <= 9 && strspn(p, "0123456789") == n;
        if (!small_integer && !memmem(body, len, p, n))
            __builtin_trap();
        p += n;
    }
}

static void check_fix(const char *fixed, const pm3k_payload_lint_options *opt)
{
    pm3k_error err = {0};
    char *again = NULL;
    pm3k_item *item = NULL;
    if (pm3k_payload_canonical(fixed, strlen(fixed), &again, NULL, &err) != PM3K_OK)
        return; /* out of memory */
    if (!again || strcmp(again, fixed) != 0)
        __builtin_trap();
    if (pm3k_payload_lint(fixed, strlen(fixed), opt, &item, &err) == PM3K_OK) {
        if (pm3k_item_find(item, "invalid_json") || pm3k_item_find(item, "not_an_object"))
            __builtin_trap();
        pm3k_item_free(item);
    }
    free(again);
}

/* An invalid body names a place inside it (or its end) and a reason; the
 * copy given to cJSON keeps the body's length. */
static void check_parse(const char *body, size_t len)
{
    pm3k__parsed parsed;
    if (pm3k__payload_parse(body, len, &parsed) != PM3K_OK)
        return; /* out of memory */
    if (parsed.kind == PM3K__BODY_INVALID && (parsed.error_offset > len || !parsed.reason[0]))
        __builtin_trap();
    if (parsed.scan.text && parsed.scan.len != len)
        __builtin_trap();
    pm3k__parsed_free(&parsed);
}

static void caption_helpers(const char *s, size_t len, const pm3k_stop_words *words)
{
    pm3k__link_match plain, disguised;
    pm3k__find_links(s, len, &plain, &disguised);
    if ((plain.found && (plain.start >= plain.end || plain.end > len)) ||
        (disguised.found && (disguised.start >= disguised.end || disguised.end > len)))
        __builtin_trap();
    (void)pm3k__template_leftover(s, len);
    free(pm3k__display_text(s, len, 80));
    size_t found = 0;
    pm3k__stop_words_scan(words, s, len, 4096, on_word, &found);
    if (found > pm3k_stop_words_count(words))
        __builtin_trap();
    pm3k_stop_words *own = NULL;
    pm3k_error err = {0};
    if (pm3k_stop_words_parse(s, len, &own, &err) == PM3K_OK) {
        pm3k__stop_words_scan(own, "a title with class and free money", 33, 64, on_word, &found);
        pm3k_stop_words_free(own);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pm3k_stop_words *words;
    static const char list[] = "class\nfree money\n\\#ad\nскидка\n";
    pm3k_payload_lint_options opt;
    pm3k_error err = {0};
    pm3k_item *item = NULL;
    char *fixed = NULL;

    if (!words && pm3k_stop_words_parse(list, sizeof list - 1, &words, &err) != PM3K_OK)
        __builtin_trap();
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    pm3k_payload_lint_options_init(&opt);
    if (flags & 1)
        opt.domain = "media.example.com";
    if (flags & 2)
        opt.stop_words = words;
    if (flags & 4) {
        opt.limits.max_title_utf16 = 8;
        opt.limits.max_photo_title_utf16 = 4;
        opt.limits.max_images = 3;
    }
    if (pm3k_payload_lint(body, len, &opt, &item, &err) == PM3K_OK) {
        pm3k_status status = pm3k_item_status(item);
        if (status != PM3K_STATUS_PASS && status != PM3K_STATUS_WARN && status != PM3K_STATUS_FAIL)
            __builtin_trap();
        for (size_t i = 0; i < pm3k_item_finding_count(item); i++)
            if (!pm3k_item_finding(item, i)->message || !pm3k_item_finding(item, i)->hint)
                __builtin_trap();
        pm3k_item_free(item);
    }
    if ((flags & 8) && pm3k_payload_canonical(body, len, &fixed, NULL, &err) == PM3K_OK && fixed) {
        /* A body encoded twice may spell its digits as escapes: only a
         * body that is an object (or an array of one) shows them as is. */
        size_t first = 0;
        while (first < len && strchr(" \t\r\n", body[first]) && body[first])
            first++;
        if (first < len && (body[first] == '{' || body[first] == '['))
            check_numbers(fixed, body, len);
        check_fix(fixed, &opt);
    }
    free(fixed);
    if (flags & 16)
        caption_helpers(body, len, words);
    if (flags & 32)
        check_parse(body, len);
    return 0;
}
