/* pm3k — caption rules: links (plain and disguised), template leftovers,
 * stop words, and the text helpers they need. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "payload/payload_int.h"
#include "pm3k/file.h"
#include "pm3k/utf.h"

/* ---- code points ---- */

typedef struct cps {
    uint32_t *cp;
    size_t *at; /* byte offset of each code point in the source (may be NULL) */
    size_t n, cap;
} cps;

static bool cps_push(cps *a, uint32_t cp, size_t at)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        uint32_t *g = realloc(a->cp, cap * sizeof *g);
        if (!g)
            return false;
        a->cp = g;
        size_t *ga = realloc(a->at, cap * sizeof *ga);
        if (!ga)
            return false;
        a->at = ga;
        a->cap = cap;
    }
    a->cp[a->n] = cp;
    a->at[a->n] = at;
    a->n++;
    return true;
}

static void cps_free(cps *a)
{
    free(a->cp);
    free(a->at);
    memset(a, 0, sizeof *a);
}

uint32_t pm3k__fold_case(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x178)
        return 0xFF;
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c == 0x3C2) /* final sigma */
        return 0x3C3;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return c | 1u;
    if (c >= 0x531 && c <= 0x556)
        return c + 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return c | 1u;
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 32;
    return c;
}

/* Letters and digits of the scripts we fold, combining marks, and '_':
 * what a stop word's edge must not touch. Ideographs are not word
 * characters, so a stop word in Chinese or Japanese matches inside a run. */
static bool is_word_cp(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x300 && c <= 0x3FF) ||
           (c >= 0x400 && c <= 0x52F) || (c >= 0x531 && c <= 0x58A) || (c >= 0x5D0 && c <= 0x5EA) ||
           (c >= 0x620 && c <= 0x669) || (c >= 0x1E00 && c <= 0x1EFF) ||
           (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
           (c >= 0xFF41 && c <= 0xFF5A);
}

static bool is_space_cp(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Characters that render as nothing: inserted into "http" they hide a link
 * from a plain substring check. */
static bool is_invisible_cp(uint32_t c)
{
    return c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x115F || c == 0x1160 || c == 0x17B4 ||
           c == 0x17B5 || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || c == 0x3164 ||
           c == 0xFEFF || c == 0xFFA0;
}

/* Full-width forms and look-alike punctuation as the ASCII they imitate;
 * 0 when c imitates nothing. */
static uint32_t ascii_lookalike(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        return c - 0xFF01 + 0x21;
    switch (c) {
    case 0x3002: /* ideographic full stop */
    case 0xFF61: /* halfwidth ideographic full stop */
    case 0x2024: /* one dot leader */
    case 0xFE52: /* small full stop */
    case 0x2E33: /* raised dot */
        return '.';
    case 0xFE55: /* small colon */
    case 0x2236: /* ratio */
    case 0xA789: /* modifier letter colon */
        return ':';
    case 0x2044: /* fraction slash */
    case 0x2215: /* division slash */
    case 0x29F8: /* big solidus */
        return '/';
    default:
        return 0;
    }
}

/* ---- links ---- */

enum { LOOK_MAPPED = 1, LOOK_HIDDEN_BEFORE = 2 };

/* The last few characters of the title with invisible characters removed
 * and look-alikes mapped; the longest pattern fits. */
#define LINK_WINDOW 8

typedef struct look_slot {
    uint32_t cp;         /* after mapping */
    size_t at;           /* byte offset in the title */
    unsigned char flags; /* LOOK_* */
} look_slot;

static bool ascii_ieq(uint32_t c, char want)
{
    if (c >= 'A' && c <= 'Z')
        c += 32;
    return c == (uint32_t)(unsigned char)want;
}

/* Fill a match that ends at the newest of `count` slots, `m` long. */
static void match_to_link(const char *s, size_t len, const look_slot *ring, size_t count, size_t m,
                          pm3k__link_match *out)
{
    bool mapped = false, hidden = false;
    for (size_t k = 0; k < m; k++) {
        const look_slot *slot = &ring[(count - m + k) % LINK_WINDOW];
        if (slot->flags & LOOK_MAPPED)
            mapped = true;
        if (k > 0 && (slot->flags & LOOK_HIDDEN_BEFORE))
            hidden = true;
    }
    out->found = true;
    out->start = ring[(count - m) % LINK_WINDOW].at;
    size_t last = ring[(count - 1) % LINK_WINDOW].at;
    uint32_t cp;
    out->end = last + pm3k_utf8_decode(s + last, len - last, &cp);
    /* Show the rest of the link too: up to the next space. */
    for (size_t used; out->end < len; out->end += used) {
        used = pm3k_utf8_decode(s + out->end, len - out->end, &cp);
        if (is_space_cp(cp))
            break;
    }
    snprintf(out->how, sizeof out->how, "%s",
             mapped && hidden ? "full-width or look-alike and zero-width characters"
             : mapped         ? "full-width or look-alike characters"
                              : "zero-width characters");
}

void pm3k__find_links(const char *s, size_t len, pm3k__link_match *plain,
                      pm3k__link_match *disguised)
{
    static const char *const patterns[] = {"http://", "https://", "www."};
    look_slot ring[LINK_WINDOW];
    size_t count = 0;
    bool hidden = false;
    memset(plain, 0, sizeof *plain);
    memset(disguised, 0, sizeof *disguised);
    for (size_t i = 0; i < len && !(plain->found && disguised->found);) {
        uint32_t cp;
        size_t at = i;
        i += pm3k_utf8_decode(s + i, len - i, &cp);
        if (is_invisible_cp(cp)) {
            hidden = true;
            continue;
        }
        uint32_t ascii = ascii_lookalike(cp);
        look_slot *slot = &ring[count++ % LINK_WINDOW];
        slot->cp = ascii ? ascii : cp;
        slot->at = at;
        slot->flags =
            (unsigned char)((ascii ? LOOK_MAPPED : 0) | (hidden ? LOOK_HIDDEN_BEFORE : 0));
        hidden = false;
        /* Does a pattern end here? */
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
            size_t m = strlen(patterns[p]);
            if (count < m)
                continue;
            bool match = true, clean = true;
            for (size_t k = 0; k < m && match; k++) {
                const look_slot *sl = &ring[(count - m + k) % LINK_WINDOW];
                match = ascii_ieq(sl->cp, patterns[p][k]);
                if ((sl->flags & LOOK_MAPPED) || (k > 0 && (sl->flags & LOOK_HIDDEN_BEFORE)))
                    clean = false;
            }
            if (!match)
                continue;
            pm3k__link_match *target = clean ? plain : disguised;
            if (!target->found)
                match_to_link(s, len, ring, count, m, target);
        }
    }
}

char *pm3k__display_text(const char *s, size_t len, size_t max_chars)
{
    pm3k__strbuf sb;
    pm3k__strbuf_init(&sb);
    pm3k__strbuf_add(&sb, "");
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t used = pm3k_utf8_decode(s + i, len - i, &cp);
        if (chars++ >= max_chars) {
            pm3k__strbuf_add(&sb, "\xE2\x80\xA6");
            break;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || is_invisible_cp(cp) ||
            cp == 0x2028 || cp == 0x2029)
            pm3k__strbuf_addf(&sb, "<U+%04X>", (unsigned)cp);
        else if (cp == 0xFFFD && !(used == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0))
            pm3k__strbuf_addf(&sb, "<0x%02X>", (unsigned char)s[i]);
        else
            pm3k__strbuf_addn(&sb, s + i, used);
        i += used;
    }
    return pm3k__strbuf_detach(&sb);
}

/* ---- template leftovers ---- */

bool pm3k__template_leftover(const char *s, size_t len)
{
    static const char *const leftovers[] = {"[object Object]", "undefined", "null", "NaN"};
    if (len >= 3 && memcmp(s, "={{", 3) == 0)
        return true;
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '{' && s[i + 1] == '{') {
            for (size_t j = i + 2; j + 1 < len; j++)
                if (s[j] == '}' && s[j + 1] == '}')
                    return true;
            break; /* no "}}" after the first "{{": none after a later one either */
        }
    size_t b = 0, e = len;
    pm3k__trim(s, PM3K__ASCII_SPACE, &b, &e);
    for (size_t i = 0; i < sizeof leftovers / sizeof leftovers[0]; i++)
        if (strlen(leftovers[i]) == e - b && memcmp(s + b, leftovers[i], e - b) == 0)
            return true;
    return false;
}

/* ---- stop words ---- */

typedef struct stop_word {
    char *text;       /* as written in the file */
    uint32_t *folded; /* case-folded, spaces collapsed */
    size_t n;
    size_t *prefix; /* KMP failure function */
} stop_word;

struct pm3k_stop_words {
    stop_word *words;
    size_t count, cap;
};

/* Case-folded code points with every run of spaces made one ' ', from at
 * most max_chars characters. */
static bool fold_text(const char *s, size_t len, size_t max_chars, cps *out)
{
    bool in_space = false;
    for (size_t i = 0, chars = 0; i < len && chars < max_chars; chars++) {
        uint32_t cp;
        size_t at = i;
        i += pm3k_utf8_decode(s + i, len - i, &cp);
        if (is_space_cp(cp)) {
            if (!in_space && !cps_push(out, ' ', at))
                return false;
            in_space = true;
            continue;
        }
        in_space = false;
        if (!cps_push(out, pm3k__fold_case(cp), at))
            return false;
    }
    return true;
}

static pm3k_code add_word(pm3k_stop_words *w, const char *s, size_t len)
{
    cps folded = {0};
    if (!fold_text(s, len, (size_t)-1, &folded))
        goto nomem;
    bool known = folded.n == 0;
    for (size_t j = 0; j < w->count && !known; j++)
        known = w->words[j].n == folded.n &&
                memcmp(w->words[j].folded, folded.cp, folded.n * sizeof *folded.cp) == 0;
    if (known) { /* empty, or the same word again */
        cps_free(&folded);
        return PM3K_OK;
    }
    if (w->count == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        stop_word *g = realloc(w->words, cap * sizeof *g);
        if (!g)
            goto nomem;
        w->words = g;
        w->cap = cap;
    }
    stop_word *sw = &w->words[w->count];
    memset(sw, 0, sizeof *sw);
    sw->text = malloc(len + 1);
    sw->prefix = malloc(folded.n * sizeof *sw->prefix);
    if (!sw->text || !sw->prefix) {
        free(sw->text);
        free(sw->prefix);
        goto nomem;
    }
    memcpy(sw->text, s, len);
    sw->text[len] = '\0';
    sw->folded = folded.cp;
    sw->n = folded.n;
    free(folded.at);
    /* KMP: prefix[i] = length of the longest proper border of folded[0..i]. */
    sw->prefix[0] = 0;
    for (size_t i = 1, k = 0; i < sw->n; i++) {
        while (k > 0 && sw->folded[i] != sw->folded[k])
            k = sw->prefix[k - 1];
        if (sw->folded[i] == sw->folded[k])
            k++;
        sw->prefix[i] = k;
    }
    w->count++;
    return PM3K_OK;
nomem:
    cps_free(&folded);
    return PM3K_ERR_NOMEM;
}

pm3k_code pm3k_stop_words_parse(const char *text, size_t len, pm3k_stop_words **out,
                                pm3k_error *err)
{
    pm3k_stop_words *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t b = pos, e = end;
        pos = nl ? end + 1 : len;
        pm3k__trim(text, PM3K__ASCII_SPACE, &b, &e);
        if (b == e || text[b] == '#')
            continue;
        if (memchr(text + b, '\0', e - b)) {
            pm3k_stop_words_free(w);
            return pm3k_error_set(err, PM3K_ERR_PARSE, "a stop word holds a NUL byte");
        }
        if (e - b >= 2 && text[b] == '\\' && text[b + 1] == '#')
            b++;
        if (add_word(w, text + b, e - b) != PM3K_OK) {
            pm3k_stop_words_free(w);
            return pm3k_error_set(err, PM3K_ERR_NOMEM, "out of memory");
        }
    }
    *out = w;
    return PM3K_OK;
}

pm3k_code pm3k_stop_words_load(const char *path, pm3k_stop_words **out, pm3k_error *err)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    /* "-" is a file of that name: stdin is the body's. */
    pm3k_code rc = pm3k_file_read(strcmp(path, "-") == 0 ? "./-" : path, PM3K_PAYLOAD_MAX_BYTES,
                                  &text, &len, err);
    if (rc != PM3K_OK) {
        char reason[PM3K_ERROR_MESSAGE_MAX];
        snprintf(reason, sizeof reason, "%s", err ? err->message : "");
        return pm3k_error_set(err, rc, "cannot read the stop words '%s': %s", path, reason);
    }
    rc = pm3k_stop_words_parse(text, len, out, err);
    free(text);
    return rc;
}

size_t pm3k_stop_words_count(const pm3k_stop_words *words)
{
    return words ? words->count : 0;
}

void pm3k_stop_words_free(pm3k_stop_words *words)
{
    if (!words)
        return;
    for (size_t i = 0; i < words->count; i++) {
        free(words->words[i].text);
        free(words->words[i].folded);
        free(words->words[i].prefix);
    }
    free(words->words);
    free(words);
}

/* Does the word occur in the text with word boundaries at its edges? */
static bool word_occurs(const stop_word *w, const cps *t)
{
    bool word_start = is_word_cp(w->folded[0]);
    bool word_end = is_word_cp(w->folded[w->n - 1]);
    for (size_t i = 0, k = 0; i < t->n; i++) {
        while (k > 0 && t->cp[i] != w->folded[k])
            k = w->prefix[k - 1];
        if (t->cp[i] == w->folded[k])
            k++;
        if (k < w->n)
            continue;
        size_t start = i + 1 - w->n;
        bool ok_before = !word_start || start == 0 || !is_word_cp(t->cp[start - 1]);
        bool ok_after = !word_end || i + 1 == t->n || !is_word_cp(t->cp[i + 1]);
        if (ok_before && ok_after)
            return true;
        k = w->prefix[k - 1];
    }
    return false;
}

pm3k_code pm3k__stop_words_scan(const pm3k_stop_words *words, const char *s, size_t len,
                                size_t max_chars, pm3k__stop_word_fn found, void *userdata)
{
    cps t = {0};
    if (!words || words->count == 0)
        return PM3K_OK;
    if (!fold_text(s, len, max_chars, &t)) {
        cps_free(&t);
        return PM3K_ERR_NOMEM;
    }
    for (size_t i = 0; i < words->count; i++) {
        const stop_word *w = &words->words[i];
        if (word_occurs(w, &t))
            found(userdata, w->text);
    }
    cps_free(&t);
    return PM3K_OK;
}
