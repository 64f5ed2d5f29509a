/* pm3k — the raw pass over a direct_post body before cJSON.
 *
 * PM3K parses bodies with JavaScript's JSON.parse. cJSON differs in a few
 * places that matter for a lint: it takes any byte <= 0x20 as whitespace and
 * raw control characters inside strings, reads numbers with strtod ("01",
 * "1." pass), cuts a string at \u0000 and rejects lone UTF-16 surrogates that
 * JavaScript keeps. This bounded, single forward pass finds the first place
 * JSON.parse would reject, and records (and neutralises, in a copy) the
 * escapes cJSON cannot hold. Covered by tests/fuzz/fuzz_payload_lint.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload/payload_int.h"
#include "pm3k/utf.h"

typedef enum expect {
    EXPECT_VALUE,        /* a value (start, after ':' or after ',' in an array) */
    EXPECT_VALUE_OR_END, /* after '[' */
    EXPECT_KEY_OR_END,   /* after '{' */
    EXPECT_KEY,          /* after ',' in an object */
    EXPECT_COLON,
    EXPECT_COMMA_OR_END, /* after a value inside a container */
    EXPECT_NOTHING       /* after the top-level value */
} expect;

typedef struct scanner {
    const unsigned char *in;
    size_t len, pos;
    char *out;
    pm3k__json_scan *res;
    expect state;
    char *stack; /* 'o' or 'a' per open container */
    size_t depth, stack_cap;
    char key[PM3K__FIELD_MAX]; /* the current key of the top-level object */
    bool have_key;
} scanner;

static void scan_error(scanner *s, size_t offset, const char *reason)
{
    if (s->res->has_error)
        return;
    s->res->has_error = true;
    s->res->error_offset = offset;
    snprintf(s->res->error_reason, sizeof s->res->error_reason, "%s", reason);
}

/* "unexpected 'x'" for the byte at offset, with a word on the usual
 * reasons. */
static void unexpected(scanner *s, size_t offset)
{
    char reason[96];
    if (offset >= s->len) {
        scan_error(s, offset, "unexpected end of input");
        return;
    }
    unsigned char c = s->in[offset];
    size_t before = offset;
    while (before > 0 && (s->in[before - 1] == ' ' || s->in[before - 1] == '\t' ||
                          s->in[before - 1] == '\r' || s->in[before - 1] == '\n'))
        before--;
    bool after_comma = before > 0 && s->in[before - 1] == ',';
    const char *why = c == '\''                               ? " (JSON strings take double quotes)"
                      : c == '/'                              ? " (JSON has no comments)"
                      : (c == '}' || c == ']') && after_comma ? " (a trailing comma)"
                                                              : "";
    if (c >= 0x21 && c < 0x7F) {
        snprintf(reason, sizeof reason, "unexpected '%c'%s%s", c,
                 s->state == EXPECT_NOTHING ? " after the JSON value" : "", why);
    } else {
        uint32_t cp;
        pm3k_utf8_decode((const char *)s->in + offset, s->len - offset, &cp);
        snprintf(reason, sizeof reason, "unexpected character U+%04X%s", (unsigned)cp,
                 s->state == EXPECT_NOTHING ? " after the JSON value" : "");
    }
    scan_error(s, offset, reason);
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
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
    if (at + 4 > s->len)
        return -1;
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = hex_value(s->in[at + i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static pm3k_code add_event(scanner *s, pm3k__scan_kind kind, size_t offset, bool in_key)
{
    pm3k__json_scan *r = s->res;
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
    e->in_key = in_key;
    e->top_level = !(s->depth >= 1 && s->stack[0] == 'o' && s->have_key) || in_key;
    if (!e->top_level)
        memcpy(e->field, s->key, sizeof e->field);
    return PM3K_OK;
}

/* Replace the 6-byte escape at offset by \ufffd in the copy. */
static void neutralise(scanner *s, size_t offset)
{
    memcpy(s->out + offset, "\\ufffd", 6);
}

/* A string starting at the opening quote s->pos; is_key when it is a
 * member name. */
static pm3k_code scan_string(scanner *s, bool is_key)
{
    bool top_key = is_key && s->depth == 1;
    size_t start = ++s->pos;
    pm3k_code rc;
    while (s->pos < s->len) {
        unsigned char c = s->in[s->pos];
        if (c == '"') {
            if (top_key) {
                size_t n = s->pos - start;
                if (n >= sizeof s->key)
                    n = sizeof s->key - 1;
                memcpy(s->key, s->in + start, n);
                s->key[n] = '\0';
                s->have_key = true;
            }
            s->pos++;
            return PM3K_OK;
        }
        if (c < 0x20) {
            scan_error(s, s->pos,
                       c == 0 ? "a NUL byte inside a string"
                              : "a control character inside a string (escape it "
                                "as \\n, \\t or \\u00XX)");
            return PM3K_OK;
        }
        if (c != '\\') {
            s->pos++;
            continue;
        }
        if (s->pos + 1 >= s->len)
            break;
        unsigned char e = s->in[s->pos + 1];
        if (strchr("\"\\/bfnrt", e) && e != '\0') {
            s->pos += 2;
            continue;
        }
        long v = e == 'u' ? hex4(s, s->pos + 2) : -1;
        if (v < 0) {
            scan_error(s, s->pos, "an invalid escape sequence");
            return PM3K_OK;
        }
        size_t at = s->pos;
        s->pos += 6;
        if (v == 0) {
            if ((rc = add_event(s, PM3K__SCAN_NUL, at, is_key)) != PM3K_OK)
                return rc;
            neutralise(s, at);
        } else if (v >= 0xD800 && v <= 0xDBFF) {
            long low = -1;
            if (s->pos + 1 < s->len && s->in[s->pos] == '\\' && s->in[s->pos + 1] == 'u')
                low = hex4(s, s->pos + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                s->pos += 6;
            } else {
                if ((rc = add_event(s, PM3K__SCAN_SURROGATE, at, is_key)) != PM3K_OK)
                    return rc;
                neutralise(s, at);
            }
        } else if (v >= 0xDC00 && v <= 0xDFFF) {
            if ((rc = add_event(s, PM3K__SCAN_SURROGATE, at, is_key)) != PM3K_OK)
                return rc;
            neutralise(s, at);
        }
    }
    scan_error(s, s->len, "an unterminated string");
    return PM3K_OK;
}

/* A number starting at s->pos ('-' or a digit), checked against JSON's
 * grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static void scan_number(scanner *s)
{
    if (s->in[s->pos] == '-')
        s->pos++;
    if (s->pos >= s->len || !is_digit(s->in[s->pos])) {
        scan_error(s, s->pos, "no digit after the minus sign");
        return;
    }
    if (s->in[s->pos] == '0') {
        s->pos++;
        if (s->pos < s->len && is_digit(s->in[s->pos])) {
            scan_error(s, s->pos, "a number with a leading zero");
            return;
        }
    } else {
        while (s->pos < s->len && is_digit(s->in[s->pos]))
            s->pos++;
    }
    if (s->pos < s->len && s->in[s->pos] == '.') {
        s->pos++;
        if (s->pos >= s->len || !is_digit(s->in[s->pos])) {
            scan_error(s, s->pos, "no digit after the decimal point");
            return;
        }
        while (s->pos < s->len && is_digit(s->in[s->pos]))
            s->pos++;
    }
    if (s->pos < s->len && (s->in[s->pos] == 'e' || s->in[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (s->in[s->pos] == '+' || s->in[s->pos] == '-'))
            s->pos++;
        if (s->pos >= s->len || !is_digit(s->in[s->pos])) {
            scan_error(s, s->pos, "no digit in the exponent");
            return;
        }
        while (s->pos < s->len && is_digit(s->in[s->pos]))
            s->pos++;
    }
}

static bool push(scanner *s, char type)
{
    if (s->depth == s->stack_cap) {
        size_t cap = s->stack_cap ? s->stack_cap * 2 : 64;
        char *grown = realloc(s->stack, cap);
        if (!grown)
            return false;
        s->stack = grown;
        s->stack_cap = cap;
    }
    s->stack[s->depth++] = type;
    if (s->depth > CJSON_NESTING_LIMIT && !s->res->too_deep) {
        s->res->too_deep = true;
        s->res->too_deep_offset = s->pos;
    }
    return true;
}

static void after_value(scanner *s)
{
    s->state = s->depth ? EXPECT_COMMA_OR_END : EXPECT_NOTHING;
}

/* true, false or null at s->pos. */
static void scan_literal(scanner *s, const char *word)
{
    for (size_t i = 0; word[i]; i++, s->pos++)
        if (s->pos >= s->len || s->in[s->pos] != (unsigned char)word[i]) {
            unexpected(s, s->pos);
            return;
        }
    after_value(s);
}

static pm3k_code scan_value(scanner *s, unsigned char c)
{
    pm3k_code rc = PM3K_OK;
    switch (c) {
    case '{':
    case '[':
        if (!push(s, c == '{' ? 'o' : 'a'))
            return PM3K_ERR_NOMEM;
        s->pos++;
        s->state = c == '{' ? EXPECT_KEY_OR_END : EXPECT_VALUE_OR_END;
        return PM3K_OK;
    case '"':
        rc = scan_string(s, false);
        after_value(s);
        return rc;
    case 't':
        scan_literal(s, "true");
        return PM3K_OK;
    case 'f':
        scan_literal(s, "false");
        return PM3K_OK;
    case 'n':
        scan_literal(s, "null");
        return PM3K_OK;
    default:
        if (c == '-' || is_digit(c)) {
            scan_number(s);
            after_value(s);
        } else {
            unexpected(s, s->pos);
        }
        return PM3K_OK;
    }
}

static void close_container(scanner *s)
{
    s->depth--;
    s->pos++;
    after_value(s);
}

/* One token at s->pos (not whitespace). */
static pm3k_code scan_token(scanner *s, unsigned char c)
{
    char top = s->depth ? s->stack[s->depth - 1] : 0;
    switch (s->state) {
    case EXPECT_VALUE_OR_END:
        if (c == ']') {
            close_container(s);
            return PM3K_OK;
        }
        return scan_value(s, c);
    case EXPECT_VALUE:
        return scan_value(s, c);
    case EXPECT_KEY_OR_END:
        if (c == '}') {
            close_container(s);
            return PM3K_OK;
        }
        /* fall through */
    case EXPECT_KEY:
        if (c != '"') {
            unexpected(s, s->pos);
            return PM3K_OK;
        }
        s->state = EXPECT_COLON;
        return scan_string(s, true);
    case EXPECT_COLON:
        if (c != ':')
            unexpected(s, s->pos);
        s->pos++;
        s->state = EXPECT_VALUE;
        return PM3K_OK;
    case EXPECT_COMMA_OR_END:
        if (c == ',') {
            s->pos++;
            s->state = top == 'o' ? EXPECT_KEY : EXPECT_VALUE;
        } else if ((c == '}' && top == 'o') || (c == ']' && top == 'a')) {
            close_container(s);
        } else {
            unexpected(s, s->pos);
        }
        return PM3K_OK;
    case EXPECT_NOTHING:
        unexpected(s, s->pos);
        return PM3K_OK;
    }
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
    s.out = out->text;
    s.res = out;
    s.state = EXPECT_VALUE;
    /* JSON.parse gets the text after UTF-8 decoding, which drops a BOM;
     * cJSON skips it too. */
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
        s.pos = 3;
    while (s.pos < s.len && !out->has_error && rc == PM3K_OK) {
        unsigned char c = s.in[s.pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            s.pos++;
        else if (c < 0x20)
            scan_error(&s, s.pos, c == 0 ? "a NUL byte" : "a control character outside a string");
        else
            rc = scan_token(&s, c);
    }
    if (rc == PM3K_OK && !out->has_error && s.state != EXPECT_NOTHING)
        scan_error(&s, s.len,
                   s.state == EXPECT_VALUE && s.depth == 0 ? "the body is empty"
                                                           : "unexpected end of input");
    free(s.stack);
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
