/* pm3k CLI — the option engine (see cli/opt.h): parsing by the rows, and
 * --help from them. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"

/* A row of a command's table once its INCLUDEs are flattened. */
struct cli_row {
    const cli_option *option;
    size_t base;  /* where the struct of the row's table sits in args */
    int given_at; /* argv index of the first use (negative: a config line); 0: not given */
    unsigned times;
    bool on_command_line; /* given there, not only in the config file */
};

enum { GO_ON = -1, STOP = -2 };

static bool is_option(const cli_option *o)
{
    return o->kind >= CLI_OPT_FLAG;
}

static size_t count_rows(const cli_option *t)
{
    size_t n = 0;
    for (; t->kind != CLI_OPT_END; t++)
        n += t->kind == CLI_OPT_INCLUDE ? count_rows(t->table) : 1;
    return n;
}

static size_t flatten(const cli_option *t, size_t base, struct cli_row *out, size_t n)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE)
            n = flatten(t->table, base + t->offset, out, n);
        else
            out[n++] = (struct cli_row){.option = t, .base = base};
    }
    return n;
}

/* ---- what the parse owns ---- */

/* The slot of `block` in what the parse owns (a NULL block gets a new
 * one, made room for); SIZE_MAX when memory runs out. Taken before a
 * realloc, since the old pointer may not be looked at after it. */
static size_t owned_slot(cli_parse *p, const void *block)
{
    for (size_t i = 0; block && i < p->owned_count; i++)
        if (p->owned[i] == block)
            return i;
    if (p->owned_count == p->owned_cap) {
        size_t cap = p->owned_cap ? p->owned_cap * 2 : 8;
        void **grown = realloc(p->owned, cap * sizeof *grown);
        if (!grown)
            return SIZE_MAX;
        p->owned = grown;
        p->owned_cap = cap;
    }
    return p->owned_count;
}

static void owned_set(cli_parse *p, size_t slot, void *block)
{
    p->owned[slot] = block;
    if (slot == p->owned_count)
        p->owned_count++;
}

bool cli_list_add(const cli_value *v, const char *item)
{
    const char **items;
    memcpy(&items, v->field, sizeof items);
    size_t slot = owned_slot(v->parse, items);
    if (slot == SIZE_MAX)
        return false;
    const char **grown = realloc(items, (*v->count + 1) * sizeof *grown);
    if (!grown)
        return false;
    owned_set(v->parse, slot, grown);
    grown[(*v->count)++] = item;
    memcpy(v->field, &grown, sizeof grown);
    return true;
}

char *cli_keep_copy(const cli_value *v, const char *text)
{
    size_t slot = owned_slot(v->parse, NULL);
    char *copy = slot == SIZE_MAX ? NULL : strdup(text);
    if (copy)
        owned_set(v->parse, slot, copy);
    return copy;
}

/* ---- values ---- */

bool cli_value_error(const cli_value *v, const char *fmt, ...)
{
    (void)v; /* the config file will name its line here */
    va_list ap;
    va_start(ap, fmt);
    cli_verror(fmt, ap);
    va_end(ap);
    return false;
}

static bool choice_matches(const cli_option *o, const char *name, const char *text)
{
    return (o->flags & CLI_ANY_CASE) ? strcasecmp(name, text) == 0 : strcmp(name, text) == 0;
}

bool cli_choice_value(const cli_value *v, int *out)
{
    const cli_option *o = v->option;
    char names[256] = "";
    size_t count = 0, len = 0;
    for (const cli_choice *c = o->choices; c && c->name; c++, count++)
        if (choice_matches(o, c->name, v->text)) {
            *out = c->value;
            return true;
        }
    /* "text, json, ndjson or junit" */
    for (size_t i = 0; i < count && len < sizeof names; i++)
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                i == 0           ? ""
                                : i + 1 == count ? " or "
                                                 : ", ",
                                o->choices[i].name);
    return cli_value_error(v, "--%s must be %s, not '%s'", o->long_name, names, v->text);
}

static bool to_int(const cli_value *v, int *out)
{
    const cli_option *o = v->option;
    long lo = (long)o->min, hi = (long)o->max;
    char *end;
    errno = 0;
    long n = strtol(v->text, &end, 10);
    if (errno || end == v->text || *end || n < lo || n > hi)
        return cli_value_error(v, "--%s expects a whole number from %ld to %ld, not '%s'",
                               o->long_name, lo, hi, v->text);
    *out = (int)n;
    return true;
}

static bool to_double(const cli_value *v, double *out)
{
    const cli_option *o = v->option;
    char *end;
    errno = 0;
    double n = strtod(v->text, &end);
    if (errno || end == v->text || *end || !isfinite(n) || n < o->min || n > o->max)
        return cli_value_error(v, "--%s expects a number from %g to %g, not '%s'", o->long_name,
                               o->min, o->max, v->text);
    *out = n;
    return true;
}

static bool to_size(const cli_value *v, int64_t *out)
{
    static const struct {
        const char *suffix;
        double factor;
    } units[] = {{"", 1e6},   {"b", 1},        {"kb", 1e3},        {"mb", 1e6},
                 {"gb", 1e9}, {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}};
    char *end;
    errno = 0;
    double n = strtod(v->text, &end);
    if (errno || end == v->text || !isfinite(n) || n < 0)
        goto bad;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(end, units[i].suffix) == 0) {
            double bytes = n * units[i].factor;
            if (bytes > 9e18)
                goto bad;
            *out = (int64_t)llround(bytes);
            return true;
        }
bad:
    return cli_value_error(v,
                           "--%s expects a size such as 150MB, 1.5GB or 900kB (a plain number "
                           "is MB), not '%s'",
                           v->option->long_name, v->text);
}

/* Put the value in its field; false after printing why it is wrong. */
static bool store(const cli_value *v)
{
    const cli_option *o = v->option;
    int whole = 0;
    double number = 0;
    int64_t size = 0;
    switch (o->kind) {
    case CLI_OPT_FLAG:
        *(bool *)v->field = true;
        return true;
    case CLI_OPT_STRING:
        *(const char **)v->field = v->text;
        return true;
    case CLI_OPT_LIST:
        if (o->call)
            return o->call(v);
        return cli_list_add(v, v->text) || cli_value_error(v, "out of memory");
    case CLI_OPT_INT:
        if (!to_int(v, &whole))
            return false;
        *(int *)v->field = whole;
        return true;
    case CLI_OPT_NUMBER:
    case CLI_OPT_MILLIS:
        if (!to_double(v, &number))
            return false;
        if (o->kind == CLI_OPT_MILLIS)
            *(long *)v->field = (long)(number * 1000.0);
        else
            *(double *)v->field = number;
        return true;
    case CLI_OPT_SIZE:
        if (!to_size(v, &size))
            return false;
        *(int64_t *)v->field = size;
        return true;
    case CLI_OPT_CHOICE:
        if (!cli_choice_value(v, &whole))
            return false;
        memcpy(v->field, &whole, sizeof whole);
        return true;
    case CLI_OPT_CALL:
        return o->call(v);
    default:
        return true;
    }
}

/* ---- the command line ---- */

/* A mistake in the command line itself. The first pass stops there
 * quietly: the second meets it in order and says so. */
static int mistake(const cli_parse *p, bool first_pass, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mistake(const cli_parse *p, bool first_pass, const char *fmt, ...)
{
    if (first_pass)
        return GO_ON; /* the second pass says so, in order */
    va_list ap;
    va_start(ap, fmt);
    cli_verror(fmt, ap);
    va_end(ap);
    return cli_usage_hint(p->spec->name);
}

/* One option with its value (NULL if it takes none), from argv[at]. */
static int take(cli_parse *p, struct cli_row *row, const char *text, int at, bool first_pass)
{
    const cli_option *o = row->option;
    if (o->kind == CLI_OPT_HELP) {
        if (first_pass)
            return STOP;
        cli_help(p->spec, stdout);
        return PM3K_EXIT_OK;
    }
    if (first_pass != ((o->flags & CLI_FIRST) != 0))
        return GO_ON;
    char *base = (char *)p->args + row->base;
    cli_value v = {.option = o, .text = text, .field = base + o->offset, .parse = p};
    if (o->kind == CLI_OPT_LIST)
        v.count = (size_t *)(void *)(base + o->count_offset);
    if ((o->flags & CLI_ONCE) && row->times) {
        cli_value_error(&v, "--%s is given twice", o->long_name);
        return cli_usage_hint(p->spec->name);
    }
    row->times++;
    if (!row->given_at)
        row->given_at = at;
    if (at > 0)
        row->on_command_line = true;
    return store(&v) ? GO_ON : cli_usage_hint(p->spec->name);
}

/* The row of a long name, or of the one long name it begins (as getopt). */
static struct cli_row *find_long(cli_parse *p, const char *name, size_t len)
{
    struct cli_row *prefix_of = NULL;
    size_t prefixes = 0;
    for (size_t i = 0; i < p->row_count; i++) {
        const cli_option *o = p->rows[i].option;
        if (!is_option(o) || strncmp(o->long_name, name, len) != 0)
            continue;
        if (o->long_name[len] == '\0')
            return &p->rows[i];
        prefix_of = &p->rows[i];
        prefixes++;
    }
    return prefixes == 1 ? prefix_of : NULL;
}

static struct cli_row *find_short(cli_parse *p, char c)
{
    for (size_t i = 0; i < p->row_count; i++)
        if (is_option(p->rows[i].option) && p->rows[i].option->short_name == c)
            return &p->rows[i];
    return NULL;
}

/* The long name nearest to a mistyped one, as git suggests; NULL when none
 * is near enough to be what was meant. */
static const char *closest_long(const cli_parse *p, const char *wanted)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < p->row_count; i++) {
        const cli_option *o = p->rows[i].option;
        if (!is_option(o))
            continue;
        size_t d = cli_edit_distance(wanted, o->long_name);
        if (d < best_distance) {
            best_distance = d;
            best = o->long_name;
        }
    }
    return best && cli_near_enough(wanted, best_distance) ? best : NULL;
}

static int long_option_at(cli_parse *p, int argc, char **argv, int *i, int at, bool first_pass)
{
    const char *arg = argv[*i], *name = arg + 2, *eq = strchr(name, '=');
    struct cli_row *row = find_long(p, name, eq ? (size_t)(eq - name) : strlen(name));
    const char *text = NULL;
    if (!row) {
        char wanted[64];
        snprintf(wanted, sizeof wanted, "%.*s", (int)(eq ? (size_t)(eq - name) : strlen(name)),
                 name);
        const char *near = closest_long(p, wanted);
        /* The name alone: a value given with it may be a secret. */
        if (near)
            return mistake(p, first_pass, "unknown option '--%s'; did you mean '--%s'?", wanted,
                           near);
        return mistake(p, first_pass, "unknown option '--%s'", wanted);
    }
    if (row->option->value_name) {
        if (eq)
            text = eq + 1;
        else if (*i + 1 < argc)
            text = argv[++*i];
        else
            return mistake(p, first_pass, "option '%s' needs a value", arg);
    } else if (eq) {
        return mistake(p, first_pass, "option '--%s' takes no value", row->option->long_name);
    }
    return take(p, row, text, at, first_pass);
}

static int long_option(cli_parse *p, int argc, char **argv, int *i, bool first_pass)
{
    return long_option_at(p, argc, argv, i, *i, first_pass);
}

/* -q, -qv, -j4, -j 4, -qj4. */
static int short_options(cli_parse *p, int argc, char **argv, int *i, bool first_pass)
{
    int at = *i;
    for (const char *c = argv[*i] + 1; *c; c++) {
        struct cli_row *row = find_short(p, *c);
        if (!row)
            return mistake(p, first_pass, "unknown option '-%c'", *c);
        if (!row->option->value_name) {
            int rc = take(p, row, NULL, at, first_pass);
            if (rc != GO_ON)
                return rc;
            continue;
        }
        const char *text = c[1] ? c + 1 : *i + 1 < argc ? argv[++*i] : NULL;
        if (!text)
            return mistake(p, first_pass, "option '-%c' needs a value", *c);
        return take(p, row, text, at, first_pass);
    }
    return GO_ON;
}

/* One pass over the command line: the CLI_FIRST rows, or all the others
 * and the operands. */
static int scan(cli_parse *p, int argc, char **argv, bool first_pass)
{
    bool options_ended = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int rc;
        if (options_ended || arg[0] != '-' || arg[1] == '\0') {
            if (!first_pass)
                p->operands[p->operand_count++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_ended = true;
            continue;
        }
        rc = arg[1] == '-' ? long_option(p, argc, argv, &i, first_pass)
                           : short_options(p, argc, argv, &i, first_pass);
        if (rc != GO_ON)
            return rc;
    }
    return GO_ON;
}

/* ---- the config file ----
 *
 * curl's .curlrc: one long option a line, "name value", "name=value" or
 * "name: value" (a leading "--" allowed, the value optionally in double
 * quotes with \" and \\ escapes), '#' comments and blank lines. Each line
 * becomes "--name=value" and goes through the same rows as the command
 * line, before it: the command line wins. */

#define CONFIG_MAX_BYTES (1u << 20)

bool (*cli_option_known_elsewhere)(const char *long_name);

static bool has_row(const cli_parse *p, const char *long_name)
{
    for (size_t i = 0; i < p->row_count; i++)
        if (is_option(p->rows[i].option) && strcmp(p->rows[i].option->long_name, long_name) == 0)
            return true;
    return false;
}

/* --config FILE and --no-config, looked for before the options are read. */
static void config_from_args(int argc, char **argv, const char **path, bool *skip)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--no-config") == 0)
            *skip = true;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            *path = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            *path = argv[i] + 9;
    }
}

/* One line into "--name" or "--name=value" (a copy), or NULL for a line
 * that holds nothing; *bad when it cannot be read. */
static char *config_line(char *line, bool *bad)
{
    *bad = false;
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen(line);
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (!*line || *line == '#')
        return NULL;
    if (line[0] == '-' && line[1] == '-')
        line += 2;
    size_t name_len = strcspn(line, " \t=:");
    char *value = line + name_len;
    bool has_value = *value != '\0';
    if (has_value) {
        *value++ = '\0';
        value += strspn(value, " \t");
        if (*value == '=' || *value == ':')
            value += 1 + strspn(value + 1, " \t");
    }
    if (has_value && *value == '"') {
        char *out = value, *in = value + 1;
        for (; *in && *in != '"'; in++)
            *out++ = *in == '\\' && in[1] ? *++in : *in;
        if (*in != '"' || in[1]) {
            *bad = true;
            return NULL;
        }
        *out = '\0';
    }
    if (!*line) {
        *bad = true;
        return NULL;
    }
    size_t size = strlen(line) + strlen(value) + 4;
    char *arg = malloc(size);
    if (arg)
        snprintf(arg, size, has_value ? "--%s=%s" : "--%s", line, value);
    return arg;
}

static int config_add(cli_parse *p, char *arg, unsigned line)
{
    if (p->config_count == p->config_cap) {
        size_t cap = p->config_cap ? p->config_cap * 2 : 16;
        struct cli_config_entry *grown = realloc(p->config, cap * sizeof *grown);
        if (!grown) {
            free(arg);
            cli_error("out of memory");
            return PM3K_EXIT_USAGE;
        }
        p->config = grown;
        p->config_cap = cap;
    }
    p->config[p->config_count++] = (struct cli_config_entry){arg, line};
    return GO_ON;
}

static int config_parse(cli_parse *p, char *text)
{
    unsigned line_no = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        bool bad;
        line_no++;
        char *arg = config_line(line, &bad);
        if (bad) {
            cli_error("%s:%u: cannot read this line (an option name, then its value)",
                      p->config_path, line_no);
            return cli_usage_hint(p->spec->name);
        }
        int rc = arg ? config_add(p, arg, line_no) : GO_ON;
        if (rc != GO_ON)
            return rc;
    }
    return GO_ON;
}

/* Which file: --config FILE, else $PM3K_CONFIG, else the XDG one when it
 * exists. Only a named file must exist. */
static int config_load(cli_parse *p, int argc, char **argv)
{
    const char *path = NULL, *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    bool skip = false, named = true;
    char fallback[4096];
    if (!has_row(p, "config"))
        return GO_ON;
    config_from_args(argc, argv, &path, &skip);
    if (skip)
        return GO_ON;
    if (!path && (path = getenv("PM3K_CONFIG")) && !*path)
        path = NULL;
    if (!path) {
        named = false;
        if (xdg && *xdg)
            snprintf(fallback, sizeof fallback, "%s/pm3k/config", xdg);
        else if (home && *home)
            snprintf(fallback, sizeof fallback, "%s/.config/pm3k/config", home);
        else
            return GO_ON;
        path = fallback;
        if (access(path, F_OK) != 0)
            return GO_ON;
    }
    pm3k_error err = {0};
    char *text = NULL;
    size_t len = 0;
    if (!(p->config_path = strdup(path)) ||
        pm3k_file_read(path, CONFIG_MAX_BYTES, &text, &len, &err) != PM3K_OK) {
        cli_error("cannot read the config file%s: %s", named ? "" : " (--no-config skips it)",
                  p->config_path ? err.message : "out of memory");
        return cli_usage_hint(p->spec->name);
    }
    if (memchr(text, '\0', len)) {
        free(text);
        cli_error("%s: a config file is text, one option a line", path);
        return cli_usage_hint(p->spec->name);
    }
    int rc = config_parse(p, text);
    free(text);
    return rc;
}

static int config_scan(cli_parse *p, bool first_pass)
{
    char where[4200];
    int rc = GO_ON;
    for (size_t i = 0; rc == GO_ON && i < p->config_count; i++) {
        char *arg = p->config[i].arg, *one[2] = {arg, NULL};
        const char *name = arg + 2;
        size_t len = strcspn(name, "=");
        snprintf(where, sizeof where, "%s:%u", p->config_path, p->config[i].line);
        if ((len == 6 && strncmp(name, "config", 6) == 0) ||
            (len == 9 && strncmp(name, "no-config", 9) == 0))
            continue;
        if (!find_long(p, name, len)) {
            char wanted[128];
            snprintf(wanted, sizeof wanted, "%.*s", (int)len, name);
            /* A line for another command (domain for probe, key-file for
             * post) is that command's. */
            if (cli_option_known_elsewhere && cli_option_known_elsewhere(wanted))
                continue;
        }
        int at = INT_MIN / 2 + (int)i, index = 0;
        cli_error_context(where);
        rc = long_option_at(p, 1, one, &index, at, first_pass);
        cli_error_context(NULL);
    }
    return rc;
}

/* The report format as far as the options say yet, for an error document
 * when the rest of them turn out wrong. */
static void note_format(const cli_parse *p)
{
    for (size_t i = 0; i < p->row_count; i++) {
        const cli_option *o = p->rows[i].option;
        if (o->kind == CLI_OPT_CHOICE && strcmp(o->long_name, "format") == 0) {
            int format;
            memcpy(&format, (const char *)p->args + p->rows[i].base + o->offset, sizeof format);
            cli_run_set_format(format);
        }
    }
}

static void reset_times(cli_parse *p)
{
    for (size_t i = 0; i < p->row_count; i++)
        p->rows[i].times = 0;
}

int cli_parse_args(cli_parse *p, const cli_spec *spec, void *args, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->args = args;
    p->rows = calloc(count_rows(spec->options) + 1, sizeof *p->rows);
    p->operands = calloc((size_t)argc + 1, sizeof *p->operands);
    if (!p->rows || !p->operands) {
        cli_error("out of memory");
        return PM3K_EXIT_USAGE;
    }
    p->row_count = flatten(spec->options, 0, p->rows, 0);
    /* The config's CLI_FIRST rows, the command line's, then the others in
     * the same order: a line of the config never undoes the command line. */
    int rc = config_load(p, argc, argv);
    if (rc != GO_ON) {
        /* The config is broken: the command line's --format still says
         * how to report it. */
        scan(p, argc, argv, true);
        note_format(p);
        return rc;
    }
    rc = config_scan(p, true);
    reset_times(p);
    if (rc == GO_ON || rc == STOP)
        rc = scan(p, argc, argv, true);
    note_format(p);
    if (rc == GO_ON || rc == STOP)
        rc = config_scan(p, false);
    reset_times(p);
    if (rc == GO_ON || rc == STOP)
        rc = scan(p, argc, argv, false);
    return rc;
}

void cli_parse_free(cli_parse *p)
{
    for (size_t i = 0; i < p->config_count; i++)
        free(p->config[i].arg);
    free(p->config);
    free(p->config_path);
    for (size_t i = 0; i < p->owned_count; i++)
        free(p->owned[i]);
    free(p->owned);
    free(p->rows);
    free(p->operands);
    memset(p, 0, sizeof *p);
}

static bool table_has(const cli_option *t, const char *long_name)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE && table_has(t->table, long_name))
            return true;
        if (is_option(t) && strcmp(t->long_name, long_name) == 0)
            return true;
    }
    return false;
}

bool cli_spec_has_option(const cli_spec *spec, const char *long_name)
{
    return table_has(spec->options, long_name);
}

bool cli_given(const cli_parse *p, const char *long_name)
{
    for (size_t i = 0; i < p->row_count; i++)
        if (is_option(p->rows[i].option) && strcmp(p->rows[i].option->long_name, long_name) == 0)
            return p->rows[i].given_at != 0;
    return false;
}

bool cli_given_on_command_line(const cli_parse *p, const char *long_name)
{
    for (size_t i = 0; i < p->row_count; i++)
        if (is_option(p->rows[i].option) && strcmp(p->rows[i].option->long_name, long_name) == 0)
            return p->rows[i].on_command_line;
    return false;
}

static bool in_table(const cli_option *table, const cli_option *row)
{
    for (const cli_option *t = table; t->kind != CLI_OPT_END; t++)
        if (t == row)
            return true;
    return false;
}

const cli_option *cli_first_given(const cli_parse *p, const cli_option *table)
{
    const struct cli_row *first = NULL;
    for (size_t i = 0; i < p->row_count; i++) {
        const struct cli_row *r = &p->rows[i];
        if (r->given_at && in_table(table, r->option) && (!first || r->given_at < first->given_at))
            first = r;
    }
    return first ? first->option : NULL;
}

/* ---- --help ---- */

#define HELP_WIDTH 80
#define HELP_COLUMN 24 /* where an option's help starts */

/* Words of text from column `col` on, lines broken before HELP_WIDTH (and
 * at each '\n'), the next lines starting at column `indent`. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
    bool line_has_words = false;
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '\n') {
            fputc('\n', out);
            col = 0;
            line_has_words = false;
            p++;
            continue;
        }
        size_t word = strcspn(p, " \n");
        if (line_has_words && col + 1 + word > HELP_WIDTH) {
            fputc('\n', out);
            col = 0;
            line_has_words = false;
        }
        if (col < indent) {
            fprintf(out, "%*s", (int)(indent - col), "");
            col = indent;
        }
        if (line_has_words) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, word, out);
        col += word;
        line_has_words = true;
        p += word;
    }
    fputc('\n', out);
}

static void print_option(FILE *out, const cli_option *o)
{
    char head[128];
    int len = o->short_name
                  ? snprintf(head, sizeof head, "  -%c, --%s", o->short_name, o->long_name)
                  : snprintf(head, sizeof head, "      --%s", o->long_name);
    if (o->value_name && len > 0 && (size_t)len < sizeof head)
        snprintf(head + len, sizeof head - (size_t)len, " %s", o->value_name);
    size_t col = strlen(head);
    fputs(head, out);
    /* A long name and value run into the help, two spaces apart. */
    size_t pad = col + 2 > HELP_COLUMN ? 2 : HELP_COLUMN - col;
    fprintf(out, "%*s", (int)pad, "");
    wrap(out, o->help ? o->help : "", col + pad, HELP_COLUMN);
}

static void print_rows(FILE *out, const cli_option *t)
{
    for (; t->kind != CLI_OPT_END; t++) {
        switch (t->kind) {
        case CLI_OPT_SECTION:
            fputc('\n', out);
            if (t[1].kind != CLI_OPT_TEXT) {
                fprintf(out, "%s:\n", t->help);
                break;
            }
            fprintf(out, "%s: ", t->help);
            wrap(out, t[1].help, strlen(t->help) + 2, 0);
            t++;
            break;
        case CLI_OPT_TEXT:
            fputc('\n', out);
            wrap(out, t->help, 0, 0);
            break;
        case CLI_OPT_INCLUDE:
            print_rows(out, t->table);
            break;
        default:
            print_option(out, t);
            break;
        }
    }
}

/* Each line of text, after `first` on the first line and `more` after. */
static void print_lines(FILE *out, const char *text, const char *first, const char *more)
{
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "%s%.*s\n", line == text ? first : more, (int)len, line);
        line += len;
        if (*line)
            line++;
    }
}

void cli_help(const cli_spec *spec, FILE *out)
{
    char usage[64], more[64];
    snprintf(usage, sizeof usage, "usage: pm3k %s ", spec->name);
    snprintf(more, sizeof more, "       pm3k %s ", spec->name);
    print_lines(out, spec->synopsis, usage, more);
    fputc('\n', out);
    wrap(out, spec->description, 0, 0);
    print_rows(out, spec->options);
    if (spec->examples) {
        fputs("\nExamples:\n", out);
        print_lines(out, spec->examples, "  ", "  ");
    }
}
