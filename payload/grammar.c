/* pm3k — the RFC 8259 grammar scan (see payload/grammar.h). */
#include <stdlib.h>
#include <string.h>

#include "payload/grammar.h"

typedef struct scan {
    const unsigned char *in;
    size_t len, pos;
    unsigned char *stack; /* '{' or '[' per open container */
    size_t depth, cap;
    pm3k__grammar_result *res;
    bool nomem;
} scan;

static bool fail(scan *s, size_t offset, const char *reason)
{
    s->res->valid = false;
    s->res->offset = offset;
    s->res->reason = reason;
    return false;
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void skip_ws(scan *s)
{
    while (s->pos < s->len && is_ws(s->in[s->pos]))
        s->pos++;
}

/* Why the byte at pos cannot start what was expected. */
static bool unexpected(scan *s, const char *expected)
{
    if (s->pos >= s->len)
        return fail(s, s->pos, "the body ends too early (unexpected end of JSON input)");
    unsigned char c = s->in[s->pos];
    if (c == 0)
        return fail(s, s->pos,
                    "a NUL byte between tokens; JSON allows only space, tab, CR "
                    "and LF there");
    if (c == 0x0c)
        return fail(s, s->pos,
                    "a form feed between tokens; JSON allows only space, tab, CR "
                    "and LF there");
    if (c < 0x20 || c == 0x7f)
        return fail(s, s->pos,
                    "a control byte between tokens; JSON allows only space, tab, "
                    "CR and LF there");
    if (c >= 0x80)
        return fail(s, s->pos,
                    "a non-ASCII character outside a string (a no-break space or "
                    "typographic quote?)");
    return fail(s, s->pos, expected);
}

static bool push(scan *s, unsigned char open)
{
    if (s->depth == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        unsigned char *grown = realloc(s->stack, cap);
        if (!grown) {
            s->nomem = true;
            return fail(s, s->pos, "out of memory");
        }
        s->stack = grown;
        s->cap = cap;
    }
    s->stack[s->depth++] = open;
    if (s->depth > s->res->max_depth)
        s->res->max_depth = s->depth;
    return true;
}

static bool digits(scan *s, const char *none)
{
    size_t start = s->pos;
    while (s->pos < s->len && is_digit(s->in[s->pos]))
        s->pos++;
    return s->pos > start || fail(s, s->pos, none);
}

/* number = [ "-" ] int [ frac ] [ exp ] */
static bool number(scan *s)
{
    size_t start = s->pos;
    if (s->in[s->pos] == '-')
        s->pos++;
    if (s->pos < s->len && s->in[s->pos] == '0') {
        s->pos++;
        if (s->pos < s->len && is_digit(s->in[s->pos]))
            return fail(s, start, "numbers may not have leading zeros (write 1, not 01)");
    } else if (!digits(s, "a '-' must be followed by a digit")) {
        return false;
    }
    if (s->pos < s->len && s->in[s->pos] == '.') {
        s->pos++;
        if (!digits(s, "a '.' in a number must be followed by a digit (write 2 or 2.0, not 2.)"))
            return false;
    }
    if (s->pos < s->len && (s->in[s->pos] == 'e' || s->in[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (s->in[s->pos] == '+' || s->in[s->pos] == '-'))
            s->pos++;
        if (!digits(s, "an exponent must have digits (1e5, not 1e)"))
            return false;
    }
    return true;
}

static bool string(scan *s)
{
    size_t start = s->pos++;
    while (s->pos < s->len) {
        unsigned char c = s->in[s->pos];
        if (c == '"') {
            s->pos++;
            return true;
        }
        if (c < 0x20)
            return fail(s, s->pos,
                        "a raw control character in a string (a line break must be "
                        "written \\n)");
        if (c != '\\') {
            s->pos++;
            continue;
        }
        if (s->pos + 1 >= s->len)
            break;
        unsigned char e = s->in[s->pos + 1];
        if (e == 'u') {
            for (size_t i = 2; i < 6; i++)
                if (s->pos + i >= s->len || !is_hex(s->in[s->pos + i]))
                    return fail(s, s->pos, "\\u must be followed by four hex digits");
            s->pos += 6;
        } else if (strchr("\"\\/bfnrt", e) && e != '\0') {
            s->pos += 2;
        } else {
            return fail(s, s->pos,
                        "an unknown escape in a string (only \\\" \\\\ \\/ \\b \\f "
                        "\\n \\r \\t \\uXXXX exist)");
        }
    }
    return fail(s, start, "a string is not closed (unexpected end of JSON input)");
}

static bool literal(scan *s)
{
    static const char *const words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if (s->len - s->pos >= n && memcmp(s->in + s->pos, words[i], n) == 0) {
            s->pos += n;
            return true;
        }
    }
    return fail(s, s->pos,
                "not a JSON value (true, false and null are lowercase; strings "
                "need double quotes)");
}

/* One value; containers are opened here and closed by after_value. Sets
 * *opened when a container was opened and not closed at once. */
static bool value(scan *s, bool *opened)
{
    *opened = false;
    skip_ws(s);
    if (s->pos >= s->len)
        return unexpected(s, "");
    unsigned char c = s->in[s->pos];
    if (c == '{' || c == '[') {
        if (!push(s, c))
            return false;
        s->pos++;
        skip_ws(s);
        if (s->pos < s->len && s->in[s->pos] == (c == '{' ? '}' : ']')) {
            s->pos++;
            s->depth--;
            return true;
        }
        *opened = true;
        return true;
    }
    if (c == '"')
        return string(s);
    if (c == '-' || is_digit(c))
        return number(s);
    if (c == 't' || c == 'f' || c == 'n')
        return literal(s);
    return unexpected(s, c == '\'' ? "strings need double quotes, not single quotes"
                                   : "not a JSON value");
}

/* In an object: "key" ws ":" */
static bool key(scan *s)
{
    skip_ws(s);
    if (s->pos >= s->len || s->in[s->pos] != '"')
        return unexpected(s, "an object key must be a string in double quotes");
    if (!string(s))
        return false;
    skip_ws(s);
    if (s->pos >= s->len || s->in[s->pos] != ':')
        return unexpected(s, "a ':' must follow an object key");
    s->pos++;
    return true;
}

bool pm3k__json_grammar(const char *body, size_t len, pm3k__grammar_result *res)
{
    scan s = {.in = (const unsigned char *)body, .len = len, .res = res};
    memset(res, 0, sizeof *res);
    res->valid = true;
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        fail(&s, 0,
             "the body starts with a UTF-8 byte order mark, which JSON.parse refuses "
             "(save it as UTF-8 without BOM)");
        return true;
    }
    bool opened;
    if (!value(&s, &opened))
        goto out;
    /* After each value: inside a container, ',' or its close; at the top,
     * only whitespace to the end. */
    for (;;) {
        if (opened) {
            if (s.stack[s.depth - 1] == '{' && !key(&s))
                goto out;
            if (!value(&s, &opened))
                goto out;
            continue;
        }
        skip_ws(&s);
        if (s.depth == 0) {
            if (s.pos < s.len)
                unexpected(&s, "data after the JSON value (one body holds one value)");
            goto out;
        }
        unsigned char close = s.stack[s.depth - 1] == '{' ? '}' : ']';
        if (s.pos < s.len && s.in[s.pos] == close) {
            s.pos++;
            s.depth--;
            continue;
        }
        if (s.pos >= s.len || s.in[s.pos] != ',') {
            unexpected(&s, close == '}' ? "expected ',' or '}' after an object member"
                                        : "expected ',' or ']' after an array element");
            goto out;
        }
        s.pos++;
        opened = true; /* a member or element must follow the ',' */
    }
out:
    free(s.stack);
    return !s.nomem;
}
