/* Unit tests for payload/caption.c: links (plain and disguised), stop words
 * (whole words, any case, phrases), template leftovers, text display. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "payload/payload_int.h"

/* ---- links ---- */

static void links(const char *s, pm3k__link_match *plain, pm3k__link_match *disguised)
{
    pm3k__find_links(s, strlen(s), plain, disguised);
}

static void plain_links_any_case(void **state)
{
    static const char *const with_link[] = {
        "see http://example.com", "HTTPS://EXAMPLE.COM", "go to www.example.com",
        "WWW.Example.com today",  "HtTpS://x.y",         "awww. so cute",
        "text\nhttps://x.y",      "emoji 😀https://x.y",  "(www.x.y)",
    };
    (void)state;
    for (size_t i = 0; i < sizeof with_link / sizeof with_link[0]; i++) {
        pm3k__link_match plain, disguised;
        links(with_link[i], &plain, &disguised);
        assert_true(plain.found);
        assert_false(disguised.found);
    }
}

static void no_links(void **state)
{
    static const char *const clean[] = {
        "",
        "http is a protocol",
        "www stands for world wide web",
        "httpd and https are words",
        "ftp://files.example.com", /* not one of the three patterns */
        "w w w. spaced",
        "http:/ /broken",
        "Nouveauté 🎉 مرحبا שלום",
        "zero\u200Bwidth between words is fine",
    };
    (void)state;
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        pm3k__link_match plain, disguised;
        links(clean[i], &plain, &disguised);
        assert_false(plain.found);
        assert_false(disguised.found);
    }
}

static void match_span_and_display(void **state)
{
    pm3k__link_match plain, disguised;
    const char *s = "Shop at HTTPS://shop.example/now today";
    (void)state;
    links(s, &plain, &disguised);
    assert_true(plain.found);
    /* the match runs to the next space, so the message shows the link */
    assert_int_equal(plain.end - plain.start, strlen("HTTPS://shop.example/now"));
    assert_memory_equal(s + plain.start, "HTTPS://shop.example/now", plain.end - plain.start);
}

static void full_width_links(void **state)
{
    static const char *const disguised_links[] = {
        "ｈｔｔｐｓ：／／example．com",
        "ＨＴＴＰ://x.y",
        "ｗｗｗ．example.com",
        "www。example。com", /* ideographic full stop */
        "https：//x.y",      /* only the colon is full-width */
        "http∶//x.y",        /* ratio sign as a colon */
    };
    (void)state;
    for (size_t i = 0; i < sizeof disguised_links / sizeof disguised_links[0]; i++) {
        pm3k__link_match plain, disguised;
        links(disguised_links[i], &plain, &disguised);
        assert_false(plain.found);
        assert_true(disguised.found);
        assert_non_null(strstr(disguised.how, "full-width or look-alike"));
    }
}

static void zero_width_links(void **state)
{
    static const char *const hidden[] = {
        "ht\u200Btps://x.y", "h\u200Cttp://x.y",      "ww\u200Dw.example.com", "w\u2060ww.x.y",
        "htt\uFEFFp://x.y",  "ww\u00ADw.example.com", "www\u200B.example.com",
    };
    (void)state;
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
        pm3k__link_match plain, disguised;
        links(hidden[i], &plain, &disguised);
        assert_false(plain.found);
        assert_true(disguised.found);
        assert_string_equal(disguised.how, "zero-width characters");
    }
    /* both disguises at once */
    pm3k__link_match plain, disguised;
    links("ｈ\u200Bttps://x.y", &plain, &disguised);
    assert_true(disguised.found);
    assert_non_null(strstr(disguised.how, "and zero-width"));
}

static void plain_and_disguised_together(void **state)
{
    pm3k__link_match plain, disguised;
    (void)state;
    links("www.a.com and ｗｗｗ．b.com", &plain, &disguised);
    assert_true(plain.found);
    assert_true(disguised.found);
    assert_true(disguised.start > plain.start);
}

static void display_shows_invisible_characters(void **state)
{
    (void)state;
    const char s[] = "ht\u200Btps\x01 \xFF ok";
    char *shown = pm3k__display_text(s, sizeof s - 1, 100);
    assert_string_equal(shown, "ht<U+200B>tps<U+0001> <0xFF> ok");
    free(shown);
    shown = pm3k__display_text("abcdef", 6, 3);
    assert_string_equal(shown, "abc\xE2\x80\xA6");
    free(shown);
}

/* ---- template leftovers ---- */

static bool leftover(const char *s)
{
    return pm3k__template_leftover(s, strlen(s));
}

static void template_leftovers(void **state)
{
    (void)state;
    assert_true(leftover("{{ $json.title }}"));
    assert_true(leftover("New {{$json[\"name\"]}} drop"));
    assert_true(leftover("={{ $json.caption }}"));
    assert_true(leftover("={{ $json.caption")); /* the n8n prefix, even unclosed */
    assert_true(leftover("[object Object]"));
    assert_true(leftover("  undefined\n"));
    assert_true(leftover("null"));
    assert_true(leftover("NaN"));
    assert_true(leftover("{{}}"));
}

static void ordinary_sentences_are_not_leftovers(void **state)
{
    (void)state;
    assert_false(leftover(""));
    assert_false(leftover("This is not undefined behaviour"));
    assert_false(leftover("null and void"));
    assert_false(leftover("NaN bread"));
    assert_false(leftover("my [object Object] art"));
    assert_false(leftover("Null")); /* JavaScript writes null, not Null */
    assert_false(leftover("nan"));
    assert_false(leftover("use {curly} braces"));
    assert_false(leftover("}} before {{"));
    assert_false(leftover("{{ no end"));
    assert_false(leftover("a = {{"));
    assert_false(leftover("x={{y}"));
}

/* ---- stop words ---- */

typedef struct found_words {
    char list[512];
    int count;
} found_words;

static void on_found(void *userdata, const char *word)
{
    found_words *f = userdata;
    if (f->count++)
        strcat(f->list, "|");
    strcat(f->list, word);
}

static pm3k_stop_words *words_from(const char *text)
{
    pm3k_stop_words *w = NULL;
    pm3k_error err = {0};
    assert_int_equal(pm3k_stop_words_parse(text, strlen(text), &w, &err), PM3K_OK);
    assert_non_null(w);
    return w;
}

static found_words scan(const pm3k_stop_words *w, const char *title)
{
    found_words f = {{0}, 0};
    assert_int_equal(pm3k__stop_words_scan(w, title, strlen(title), SIZE_MAX, on_found, &f),
                     PM3K_OK);
    return f;
}

static void stop_words_file_format(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("\xEF\xBB\xBF# a comment\n\nclass\r\n  free money  \n"
                                    "\\#ad\n   # indented comment\nclass\nCLASS\n");
    /* comments and blank lines skipped, duplicates (any case) kept once */
    assert_int_equal(pm3k_stop_words_count(w), 3);
    found_words f = scan(w, "#ad for the class: free money");
    assert_int_equal(f.count, 3);
    assert_string_equal(f.list, "class|free money|#ad");
    pm3k_stop_words_free(w);
    pm3k_stop_words_free(NULL);
}

static void stop_words_whole_words_only(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("class\n\\#ad\nc++\n");
    assert_int_equal(scan(w, "A classic look").count, 0);
    assert_int_equal(scan(w, "subclass").count, 0);
    assert_int_equal(scan(w, "class_name").count, 0);
    assert_int_equal(scan(w, "classé").count, 0); /* an accented letter is a letter */
    assert_int_equal(scan(w, "class").count, 1);
    assert_int_equal(scan(w, "first-class!").count, 1);
    assert_int_equal(scan(w, "(CLASS)").count, 1);
    assert_int_equal(scan(w, "clas class").count, 1);
    assert_int_equal(scan(w, "#adventure").count, 0);
    assert_int_equal(scan(w, "big #AD").count, 1);
    assert_int_equal(scan(w, "my#ad").count, 1); /* '#' is not a letter: the edge is free */
    assert_int_equal(scan(w, "learn c++ now").count, 1);
    pm3k_stop_words_free(w);
}

static void stop_words_case_insensitive_beyond_ascii(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("скидка\nété\nΣΑΛΟΝΙ\nÜbung\nŁódź\n");
    assert_int_equal(scan(w, "СКИДКА 50%").count, 1);
    assert_int_equal(scan(w, "Скидка").count, 1);
    assert_int_equal(scan(w, "скидками").count, 0);
    assert_int_equal(scan(w, "Soldes ÉTÉ").count, 1);
    assert_int_equal(scan(w, "σαλονι").count, 1);
    assert_int_equal(scan(w, "ÜBUNG macht").count, 1);
    assert_int_equal(scan(w, "łÓDŹ").count, 1);
    pm3k_stop_words_free(w);
}

static void stop_phrases_and_spaces(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("free money\n");
    assert_int_equal(scan(w, "FREE money").count, 1);
    assert_int_equal(scan(w, "free   money").count, 1);
    assert_int_equal(scan(w, "free\tmoney").count, 1);
    assert_int_equal(scan(w, "free\u00A0money").count, 1); /* no-break space */
    assert_int_equal(scan(w, "freemoney").count, 0);
    assert_int_equal(scan(w, "free moneys").count, 0);
    assert_int_equal(scan(w, "carefree money").count, 0);
    pm3k_stop_words_free(w);
}

static void stop_words_in_scripts_without_spaces(void **state)
{
    (void)state;
    /* ideographs are not word characters, so a word matches inside a run */
    pm3k_stop_words *w = words_from("免费\n");
    assert_int_equal(scan(w, "今天免费送").count, 1);
    pm3k_stop_words_free(w);
}

static void stop_words_kmp_overlaps(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("aab\nabab\n");
    assert_int_equal(scan(w, "aaab").count, 0); /* "aab" inside a word */
    assert_int_equal(scan(w, "a aab").count, 1);
    assert_int_equal(scan(w, "ababab abab").count, 1); /* whole-word match after a partial */
    pm3k_stop_words_free(w);
}

static void stop_words_reject_nul_and_load_errors(void **state)
{
    (void)state;
    pm3k_stop_words *w = NULL;
    pm3k_error err = {0};
    assert_int_not_equal(pm3k_stop_words_parse("a\0b\n", 4, &w, &err), PM3K_OK);
    assert_null(w);
    assert_int_equal(pm3k_stop_words_load("/nonexistent/stop.txt", &w, &err), PM3K_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "cannot read the stop words"));
    assert_int_not_equal(pm3k_stop_words_load("/", &w, &err), PM3K_OK);
    /* an empty list matches nothing */
    w = words_from("# nothing\n\n");
    assert_int_equal(pm3k_stop_words_count(w), 0);
    assert_int_equal(scan(w, "anything").count, 0);
    pm3k_stop_words_free(w);
}

static void stop_word_scan_is_bounded(void **state)
{
    (void)state;
    pm3k_stop_words *w = words_from("spam\n");
    const char title[] = "one two spam";
    found_words f = {{0}, 0};
    assert_int_equal(pm3k__stop_words_scan(w, title, sizeof title - 1, 12, on_found, &f), PM3K_OK);
    assert_int_equal(f.count, 1);
    f.count = 0;
    assert_int_equal(pm3k__stop_words_scan(w, title, sizeof title - 1, 11, on_found, &f), PM3K_OK);
    assert_int_equal(f.count, 0); /* "spa" is not the word */
    pm3k_stop_words_free(w);
}

static void fold_case_table(void **state)
{
    (void)state;
    assert_int_equal(pm3k__fold_case('A'), 'a');
    assert_int_equal(pm3k__fold_case('z'), 'z');
    assert_int_equal(pm3k__fold_case(0xC9), 0xE9);     /* É */
    assert_int_equal(pm3k__fold_case(0xD7), 0xD7);     /* × is not a letter */
    assert_int_equal(pm3k__fold_case(0x141), 0x142);   /* Ł */
    assert_int_equal(pm3k__fold_case(0x179), 0x17A);   /* Ź */
    assert_int_equal(pm3k__fold_case(0x178), 0xFF);    /* Ÿ */
    assert_int_equal(pm3k__fold_case(0x3A3), 0x3C3);   /* Σ */
    assert_int_equal(pm3k__fold_case(0x3C2), 0x3C3);   /* final ς */
    assert_int_equal(pm3k__fold_case(0x401), 0x451);   /* Ё */
    assert_int_equal(pm3k__fold_case(0x416), 0x436);   /* Ж */
    assert_int_equal(pm3k__fold_case(0x531), 0x561);   /* Armenian */
    assert_int_equal(pm3k__fold_case(0xFF21), 0xFF41); /* full-width A */
    assert_int_equal(pm3k__fold_case(0x4E00), 0x4E00);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_links_any_case),
        cmocka_unit_test(no_links),
        cmocka_unit_test(match_span_and_display),
        cmocka_unit_test(full_width_links),
        cmocka_unit_test(zero_width_links),
        cmocka_unit_test(plain_and_disguised_together),
        cmocka_unit_test(display_shows_invisible_characters),
        cmocka_unit_test(template_leftovers),
        cmocka_unit_test(ordinary_sentences_are_not_leftovers),
        cmocka_unit_test(stop_words_file_format),
        cmocka_unit_test(stop_words_whole_words_only),
        cmocka_unit_test(stop_words_case_insensitive_beyond_ascii),
        cmocka_unit_test(stop_phrases_and_spaces),
        cmocka_unit_test(stop_words_in_scripts_without_spaces),
        cmocka_unit_test(stop_words_kmp_overlaps),
        cmocka_unit_test(stop_words_reject_nul_and_load_errors),
        cmocka_unit_test(stop_word_scan_is_bounded),
        cmocka_unit_test(fold_case_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
