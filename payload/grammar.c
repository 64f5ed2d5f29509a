/* pm3k — the RFC 8259 grammar scan (see payload/grammar.h). */
#include <stdlib.h>
#include <string.h>

#include "payload/grammar.h"

typedef struct scan {
    const unsigned char *in;
    size_t len, pos;
    unsigned char *stack; /* '{' or '[' per open container */
    size_t depth, cap;
    bool after_comma; /* the last token was ',' (a '}' or ']' now is a trailing comma) */
    pm3k__grammar_result *res;
    bool nomem;
} scan;

#define WHERE_VALUE "where a value should be"
#define WHERE_KEY "where an object key should be"

/* An error explained by its reason alone. */
static bool fail(scan *s, size_t offset, const char *reason)
{
    s->res->valid = false;
    s->res->offset = offset;
    s->res->at_byte = false;
    s->res->reason = reason;
    s->res->hint = NULL;
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

static bool is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void skip_ws(scan *s)
{
    while (s->pos < s->len && is_ws(s->in[s->pos]))
        s->pos++;
}

/* What a byte that cannot stand here probably is, wherever it stands. */
static const char *byte_hint(const scan *s, unsigned char c)
{
    if (c == '\'')
        return "JSON strings take double quotes";
    if (c == '/')
        return "JSON has no comments";
    if ((c == '}' || c == ']') && s->after_comma)
        return "a trailing comma";
    if (c < 0x20 || c == 0x7f)
        return "JSON allows only space, tab, CR and LF between tokens";
    if (c >= 0x80)
        return "outside strings JSON takes only ASCII: a no-break space or a typographic quote?";
    return NULL;
}

/* The byte at pos cannot stand `where`; hint: what it probably means, when
 * byte_hint has nothing more telling. */
static bool unexpected(scan *s, const char *where, const char *hint)
{
    if (s->pos >= s->len)
        return fail(s, s->pos, "unexpected end of input");
    const char *general = byte_hint(s, s->in[s->pos]);
    fail(s, s->pos, where);
    s->res->at_byte = true;
    s->res->hint = general ? general : hint;
    return false;
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
            return fail(s, start, "a number may not have a leading zero (write 1, not 01)");
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
                        c == 0 ? "a NUL byte inside a string (JSON.parse rejects it)"
                               : "a control character inside a string (JSON.parse rejects it: "
                                 "write a line break as \\n, a tab as \\t)");
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
                    return fail(s, s->pos, "an invalid \\u escape (it takes four hex digits)");
            s->pos += 6;
        } else if (strchr("\"\\/bfnrt", e) && e != '\0') {
            s->pos += 2;
        } else {
            return fail(s, s->pos,
                        "an invalid escape sequence (only \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                        "\\uXXXX exist)");
        }
    }
    return fail(s, start, "an unterminated string");
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
    return unexpected(s, WHERE_VALUE, "true, false and null are spelled out in lowercase");
}

/* What a byte that cannot start a value probably is. */
static const char *value_hint(const scan *s)
{
    unsigned char c = s->in[s->pos];
    unsigned char next = s->pos + 1 < s->len ? s->in[s->pos + 1] : 0;
    if ((c == 'N' && next == 'a') || c == 'I')
        return "NaN and Infinity are not JSON";
    if (c == 'T' || c == 'F' || c == 'N')
        return "true, false and null are lowercase";
    if (c == '+')
        return "a number takes no '+' sign";
    if (c == '.')
        return "a number starts with a digit (write 0.5, not .5)";
    if (is_letter(c) || c == '_')
        return "strings need double quotes";
    return NULL;
}

/* One value; containers are opened here and closed by after_value. Sets
 * *opened when a container was opened and not closed at once. */
static bool value(scan *s, bool *opened)
{
    *opened = false;
    skip_ws(s);
    if (s->pos >= s->len)
        return unexpected(s, WHERE_VALUE, NULL);
    unsigned char c = s->in[s->pos];
    if (c == '{' || c == '[') {
        if (!push(s, c))
            return false;
        s->pos++;
        s->after_comma = false;
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
    return unexpected(s, WHERE_VALUE, value_hint(s));
}

/* In an object: "key" ws ":" */
static bool key(scan *s)
{
    skip_ws(s);
    if (s->pos >= s->len || s->in[s->pos] != '"') {
        unsigned char c = s->pos < s->len ? s->in[s->pos] : 0;
        return unexpected(s, WHERE_KEY,
                          is_letter(c) || c == '_' || c == '$' ? "keys take double quotes" : NULL);
    }
    s->after_comma = false;
    if (!string(s))
        return false;
    skip_ws(s);
    if (s->pos >= s->len || s->in[s->pos] != ':')
        return unexpected(s, "after an object key, where ':' should be", NULL);
    s->pos++;
    return true;
}

/* After a value: inside a container, ',' (then *more) or its close; at the
 * top, only whitespace to the end (then *done). */
static bool after_value(scan *s, bool *more, bool *done)
{
    *more = *done = false;
    s->after_comma = false;
    skip_ws(s);
    if (s->depth == 0) {
        if (s->pos < s->len)
            return unexpected(s, "after the JSON value", NULL);
        *done = true;
        return true;
    }
    bool object = s->stack[s->depth - 1] == '{';
    if (s->pos < s->len && s->in[s->pos] == (object ? '}' : ']')) {
        s->pos++;
        s->depth--;
        return true;
    }
    if (s->pos >= s->len || s->in[s->pos] != ',')
        return unexpected(s,
                          object ? "after an object member, where ',' or '}' should be"
                                 : "after an array element, where ',' or ']' should be",
                          NULL);
    s->pos++;
    s->after_comma = true;
    *more = true; /* a member or element must follow the ',' */
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
    skip_ws(&s);
    if (s.pos == len) {
        fail(&s, len, "the body is empty");
        return true;
    }
    bool opened, more = false, done = false;
    if (!value(&s, &opened))
        goto out;
    while (!done) {
        if (opened || more) {
            if (s.stack[s.depth - 1] == '{' && !key(&s))
                goto out;
            if (!value(&s, &opened))
                goto out;
            more = false;
            continue;
        }
        if (!after_value(&s, &more, &done))
            goto out;
    }
out:
    free(s.stack);
    return !s.nomem;
}
