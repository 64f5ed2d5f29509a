/* pm3k — the raw scan of a direct_post body before cJSON.
 *
 * cJSON decides whether a body is JSON (lint.c). This bounded forward pass
 * only follows string boundaries, as any JSON lexer does: outside a string
 * '"' opens one; inside, '\' escapes the next character (\uXXXX: four more)
 * and '"' closes it. Inside strings it records what cJSON reads differently
 * from JavaScript's JSON.parse, which PM3K uses:
 * - \u0000, which would cut cJSON's C string short (and could hide a link),
 *   and lone UTF-16 surrogate escapes, which JavaScript keeps and cJSON
 *   rejects: both are replaced by \ufffd (same length) in the copy given to
 *   cJSON, so offsets stay those of the body;
 * - raw control characters (bytes < 0x20), which JSON.parse rejects ("Bad
 *   control character in string literal": a multi-line caption in n8n's raw
 *   JSON mode) and cJSON keeps;
 * - \u without four hex digits, which cJSON reads as U+0000.
 * Outside strings it only counts { and [, to name the top-level field a
 * string belongs to and to tell cJSON's nesting limit from a syntax error.
 *
 * What still differs from JSON.parse (docs/rules.md says so): cJSON takes
 * numbers with leading zeros ("01") or a bare decimal point ("1.", "-.5"),
 * takes every byte <= 0x20 outside strings (NUL too) as whitespace where JSON
 * has only space, tab, CR and LF, and stops at CJSON_NESTING_LIMIT (1000)
 * levels of nesting, where JavaScript goes on. Its error position is
 * sometimes one character past JavaScript's. Covered by
 * tests/fuzz/fuzz_payload_lint.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload/payload_int.h"
#include "pm3k/utf.h"

typedef struct scanner {
    const unsigned char *in;
    size_t len;
    pm3k__json_scan *res;
    size_t depth;              /* { and [ open outside strings */
    bool root_object;          /* the body starts with '{' */
    char key[PM3K__FIELD_MAX]; /* the last key of the top-level object (raw) */
    bool have_key;
} scanner;

/* cJSON's whitespace: every byte <= 0x20. */
static bool is_space(unsigned char c)
{
    return c <= 0x20;
}

static size_t skip_bom(const unsigned char *in, size_t len)
{
    /* JSON.parse gets the text after UTF-8 decoding, which drops a BOM;
     * cJSON skips it too. */
    return len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

static void string_error(scanner *s, size_t offset, const char *reason)
{
    if (s->res->has_error)
        return;
    s->res->has_error = true;
    s->res->error_offset = offset;
    snprintf(s->res->error_reason, sizeof s->res->error_reason, "%s", reason);
}

int pm3k__hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at in[at..at+4), or -1. */
static long hex4(const scanner *s, size_t at)
{
    if (at > s->len || s->len - at < 4)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = pm3k__hex_value(s->in[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Record the 6-byte escape at offset and write \ufffd over it in the copy. */
static pm3k_code record_escape(scanner *s, pm3k__scan_kind kind, size_t offset)
{
    pm3k__json_scan *r = s->res;
    memcpy(r->text + offset, "\\ufffd", 6);
    r->events_total++;
    if (r->event_count >= PM3K__SCAN_EVENTS_MAX)
        return PM3K_OK;
    if (!r->events) {
        r->events = calloc(PM3K__SCAN_EVENTS_MAX, sizeof *r->events);
        if (!r->events)
            return PM3K_ERR_NOMEM;
    }
    pm3k__scan_event *e = &r->events[r->event_count++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->offset = offset;
    memcpy(e->escape, s->in + offset, 6);
    e->escape[6] = '\0';
    /* in_key is set when the string turns out to be a key */
    e->top_level = !(s->root_object && s->depth >= 1 && s->have_key);
    if (!e->top_level)
        memcpy(e->field, s->key, sizeof e->field);
    return PM3K_OK;
}

/* The \u escape at *at (the backslash); moves *at past it. */
static pm3k_code scan_unicode_escape(scanner *s, size_t *at)
{
    size_t start = *at;
    long code = hex4(s, start + 2);
    if (code < 0) {
        string_error(s, start, "an invalid \\u escape (it takes four hex digits)");
        *at = start + 2;
        return PM3K_OK;
    }
    *at = start + 6;
    if (code == 0)
        return record_escape(s, PM3K__SCAN_NUL, start);
    if (code >= 0xDC00 && code <= 0xDFFF)
        return record_escape(s, PM3K__SCAN_SURROGATE, start);
    if (code < 0xD800 || code > 0xDBFF)
        return PM3K_OK;
    long low = -1;
    if (*at + 1 < s->len && s->in[*at] == '\\' && s->in[*at + 1] == 'u')
        low = hex4(s, *at + 2);
    if (low >= 0xDC00 && low <= 0xDFFF) {
        *at += 6; /* a pair */
        return PM3K_OK;
    }
    return record_escape(s, PM3K__SCAN_SURROGATE, start);
}

/* The string in[open+1..close) is a member name: its escapes are in a key,
 * and at depth 1 of the top-level object it names the field that follows. */
static void mark_key(scanner *s, size_t open, size_t close, size_t first_event)
{
    for (size_t i = first_event; i < s->res->event_count; i++) {
        s->res->events[i].in_key = true;
        s->res->events[i].top_level = true;
        s->res->events[i].field[0] = '\0';
    }
    if (s->root_object && s->depth == 1) {
        size_t n = close - open - 1;
        if (n >= sizeof s->key)
            n = sizeof s->key - 1;
        memcpy(s->key, s->in + open + 1, n);
        s->key[n] = '\0';
        s->have_key = true;
    }
}

/* The string whose opening quote is at `open`; *next is the offset after it
 * (the length when it never closes). */
static pm3k_code scan_string(scanner *s, size_t open, size_t *next)
{
    size_t first_event = s->res->event_count;
    size_t i = open + 1;
    pm3k_code rc;
    while (i < s->len && s->in[i] != '"') {
        unsigned char c = s->in[i];
        if (c < 0x20) {
            string_error(s, i,
                         c == 0 ? "a NUL byte inside a string (JSON.parse rejects it)"
                                : "a control character inside a string (JSON.parse rejects it: "
                                  "write a line break as \\n, a tab as \\t)");
            i++;
        } else if (c != '\\') {
            i++;
        } else if (i + 1 < s->len && s->in[i + 1] == 'u') {
            if ((rc = scan_unicode_escape(s, &i)) != PM3K_OK)
                return rc;
        } else {
            i += 2; /* other escapes are cJSON's to judge */
        }
    }
    if (i >= s->len) {
        s->res->unterminated = true;
        s->res->unterminated_offset = open;
        *next = s->len;
        return PM3K_OK;
    }
    *next = i + 1;
    /* A string followed by ':' is a member name. The whitespace skipped
     * here follows this string only, so the whole scan stays linear. */
    size_t after = i + 1;
    while (after < s->len && is_space(s->in[after]))
        after++;
    if (after < s->len && s->in[after] == ':')
        mark_key(s, open, i, first_event);
    return PM3K_OK;
}

pm3k_code pm3k__json_scan_run(const char *body, size_t len, pm3k__json_scan *out)
{
    scanner s = {0};
    pm3k_code rc = PM3K_OK;
    memset(out, 0, sizeof *out);
    out->text = malloc(len + 1);
    if (!out->text)
        return PM3K_ERR_NOMEM;
    memcpy(out->text, body, len);
    out->text[len] = '\0';
    out->len = len;
    s.in = (const unsigned char *)body;
    s.len = len;
    s.res = out;
    size_t pos = skip_bom(s.in, len);
    while (pos < len && is_space(s.in[pos]))
        pos++;
    s.root_object = pos < len && s.in[pos] == '{';
    while (pos < len && rc == PM3K_OK) {
        unsigned char c = s.in[pos];
        if (c == '"') {
            rc = scan_string(&s, pos, &pos);
            continue;
        }
        if (c == '{' || c == '[') {
            if (++s.depth > CJSON_NESTING_LIMIT && !out->too_deep) {
                out->too_deep = true;
                out->too_deep_offset = pos;
            }
        } else if ((c == '}' || c == ']') && s.depth > 0) {
            s.depth--;
        }
        pos++;
    }
    if (rc != PM3K_OK)
        pm3k__json_scan_free(out);
    return rc;
}

void pm3k__json_scan_free(pm3k__json_scan *scan)
{
    if (!scan)
        return;
    free(scan->text);
    free(scan->events);
    memset(scan, 0, sizeof *scan);
}

/* ---- words for cJSON's error position ---- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The last byte before `at` that is not whitespace, or 0. */
static unsigned char byte_before(const unsigned char *in, size_t at)
{
    while (at > 0 && is_space(in[at - 1]))
        at--;
    return at > 0 ? in[at - 1] : 0;
}

/* When cJSON expects a member name and finds no '"' (a single quote, an
 * unquoted key, a trailing comma, a comment), its end pointer is one byte
 * past the culprit: in[at] is that culprit when it directly follows '{' or
 * ','. Digits, brackets and the '}' of "{}" can end a value just as well,
 * and then cJSON points at the byte after them itself: left alone. */
static bool member_name_culprit(const unsigned char *in, size_t at)
{
    unsigned char c = in[at];
    if (is_space(c) || c == '"' || c == '[' || c == '{' || is_digit(c))
        return false;
    unsigned char before = byte_before(in, at);
    return before == ',' || (before == '{' && c != '}');
}

void pm3k__json_error_reason(const pm3k__json_scan *scan, size_t offset, bool after_value,
                             char *reason, size_t cap)
{
    const unsigned char *in = (const unsigned char *)scan->text;
    size_t len = scan->len, first = skip_bom(in, len);
    while (first < len && is_space(in[first]))
        first++;
    if (offset > len)
        offset = len;
    if (first == len) {
        snprintf(reason, cap, "the body is empty");
        return;
    }
    if (scan->too_deep && offset == scan->too_deep_offset) {
        snprintf(reason, cap, "nested deeper than %d levels (pm3k cannot check it)",
                 CJSON_NESTING_LIMIT);
        return;
    }
    if (scan->unterminated && offset == scan->unterminated_offset + 1) {
        snprintf(reason, cap, "an unterminated string");
        return;
    }
    if (offset < len && in[offset] == '\\') {
        snprintf(reason, cap, "an invalid escape sequence");
        return;
    }
    size_t at = offset; /* trailing garbage: cJSON points at it */
    bool unquoted_key = false;
    if (!after_value && offset > 0 && member_name_culprit(in, offset - 1)) {
        at = offset - 1;
        unsigned char c = in[at];
        unquoted_key = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
    }
    if (at >= len) {
        snprintf(reason, cap, "unexpected end of input");
        return;
    }
    unsigned char c = in[at];
    const char *where = after_value ? " after the JSON value" : "";
    const char *why = c == '\''  ? " (JSON strings take double quotes)"
                      : c == '/' ? " (JSON has no comments)"
                      : (c == '}' || c == ']') && byte_before(in, at) == ',' ? " (a trailing comma)"
                      : unquoted_key ? " (keys take double quotes)"
                                     : "";
    if (c >= 0x21 && c < 0x7F) {
        snprintf(reason, cap, "unexpected '%c'%s%s", c, where, why);
    } else {
        uint32_t cp;
        pm3k_utf8_decode((const char *)in + at, len - at, &cp);
        snprintf(reason, cap, "unexpected character U+%04X%s", (unsigned)cp, where);
    }
}

void pm3k__line_column(const char *body, size_t len, size_t offset, size_t *line, size_t *column)
{
    size_t ln = 1, col = 1;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)body[i];
        if (c == '\n') {
            ln++;
            col = 1;
        } else if ((c & 0xC0) != 0x80) {
            col++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = ln;
    *column = col;
}
