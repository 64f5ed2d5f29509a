/* pm3k CLI — options as data, after git's parse-options.
 *
 * One row per option: its names, the value it takes, where the value goes
 * and its help line. The same rows parse the command line, print --help,
 * and are what the config file, the man pages and the shell completions
 * are to be made from. A row's value goes to a field of the command's own
 * struct, named by an offset that the row macros check against the
 * field's type when the table compiles.
 *
 * Parsing is git's and GNU getopt's: options and operands in any order
 * ("--" ends the options, "-" is an operand), --name VALUE or
 * --name=VALUE, an unambiguous prefix of a long name, -abc bundles,
 * -j4 or -j 4. Rows marked CLI_FIRST (--plan, --hosting) are applied before
 * all others wherever they stand, so an option that refines what they set
 * (--max-size over the plan's video limit) needs no step afterwards. */
#ifndef PM3K_CLI_OPT_H
#define PM3K_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_OPT_END = 0, /* ends a table */
    CLI_OPT_SECTION, /* --help: a heading; a CLI_OPT_TEXT right after it joins its line */
    CLI_OPT_TEXT,    /* --help: a paragraph */
    CLI_OPT_INCLUDE, /* the rows of .table, whose struct sits at .offset */
    CLI_OPT_FLAG,    /* bool, set to true */
    CLI_OPT_STRING,  /* const char *, borrowed from argv */
    CLI_OPT_LIST,    /* const char *const * and a size_t count; each value is appended
                        (by .call, if set: it may split or check the value) */
    CLI_OPT_INT,     /* int from .min to .max */
    CLI_OPT_NUMBER,  /* double from .min to .max */
    CLI_OPT_MILLIS,  /* seconds from .min to .max, kept as long milliseconds */
    CLI_OPT_SIZE,    /* int64_t bytes: 150MB, 1.5GB, 900kB, 20MiB; a plain number is MB */
    CLI_OPT_CHOICE,  /* an int-sized enum, by its name in .choices */
    CLI_OPT_CALL,    /* .call does what the row means (it may read .choices) */
    CLI_OPT_HELP,    /* print the command's help on stdout and stop (exit 0) */
} cli_opt_kind;

enum {
    CLI_FIRST = 1u << 0,    /* applied before the other options, wherever it stands */
    CLI_ONCE = 1u << 1,     /* given twice is a usage error */
    CLI_ANY_CASE = 1u << 2, /* .choices match in any case */
};

/* A name a CHOICE (or a CALL) row takes, and the value it stands for. A
 * list ends with {NULL, 0}. */
typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;

typedef struct cli_value cli_value;

typedef struct cli_option {
    cli_opt_kind kind;
    char short_name;        /* 'o', or 0 */
    const char *long_name;  /* "output"; every option has one */
    const char *value_name; /* "FILE" in --help; NULL: the option takes no value */
    const char *help;       /* one paragraph, wrapped by --help; a heading for SECTION */
    size_t offset;          /* of the field in the command's struct */
    size_t count_offset;    /* LIST: of its size_t count */
    unsigned flags;         /* CLI_FIRST, CLI_ONCE, CLI_ANY_CASE */
    double min, max;        /* INT, NUMBER, MILLIS */
    const cli_choice *choices;
    /* CALL and LIST: false after printing why the value is wrong (with
     * cli_value_error); the parser adds the pointer to --help. */
    bool (*call)(const cli_value *value);
    const struct cli_option *table; /* INCLUDE */
} cli_option;

/* What a command accepts and how its help reads. */
typedef struct cli_spec {
    const char *name;          /* "probe" */
    const char *summary;       /* one line, for 'pm3k --help' */
    const char *synopsis;      /* after "usage: pm3k NAME ", one form a line */
    const char *description;   /* paragraphs ('\n' breaks a line), wrapped */
    const cli_option *options; /* the rows */
    const char *examples;      /* one command a line, printed as written */
} cli_spec;

/* A line of the config file, as the option it gives. */
struct cli_config_entry {
    char *arg; /* "--name=value" */
    unsigned line;
};

/* A command line being parsed into a command's struct. */
typedef struct cli_parse {
    const cli_spec *spec;
    void *args;      /* the command's struct the rows' offsets point into */
    char **operands; /* the arguments that are no options, in order */
    size_t operand_count;
    /* private */
    struct cli_row *rows; /* the table with its INCLUDEs flattened */
    size_t row_count;
    void **owned; /* what cli_parse_free frees: lists, copies */
    size_t owned_count, owned_cap;
    unsigned given_next;
    struct cli_config_entry *config; /* the config file's lines, read before the command line */
    size_t config_count, config_cap;
    char *config_path;
} cli_parse;

/* Set by the program: whether another command has this long option (a
 * config file line for it is then no mistake, only not this command's). */
extern bool (*cli_option_known_elsewhere)(const char *long_name);

/* One value on its way into its field, for a CALL or LIST row's call. */
struct cli_value {
    const cli_option *option;
    const char *text; /* the value as given; NULL when the row takes none */
    void *field;      /* the row's field */
    size_t *count;    /* LIST: the count beside it */
    cli_parse *parse;
};

/* Parse argv[1..argc) (argv[0] names the command) into args. Returns -1 to
 * go on, or the exit code once it has printed: 0 after --help, 2 after a
 * usage error ("error: ...", then "see 'pm3k NAME --help'"). Free with
 * cli_parse_free in either case. A spec with a "config" row first reads
 * the config file (--config FILE, $PM3K_CONFIG, $XDG_CONFIG_HOME/pm3k/config;
 * --no-config skips it) through the same rows; its mistakes name the file
 * and line. */
int cli_parse_args(cli_parse *parse, const cli_spec *spec, void *args, int argc, char **argv);
void cli_parse_free(cli_parse *parse);

/* Does the command take an option of this long name? */
bool cli_spec_has_option(const cli_spec *spec, const char *long_name);

/* Was the option of this long name given? */
bool cli_given(const cli_parse *parse, const char *long_name);
/* Was it given on the command line itself (not only by the config file)?
 * For checks of what a command line means, which a shared config file's
 * defaults must not trip. */
bool cli_given_on_command_line(const cli_parse *parse, const char *long_name);
/* The first given (in command-line order) of a table's own rows, or NULL. */
const cli_option *cli_first_given(const cli_parse *parse, const cli_option *table);

/* For calls: the value as one of the row's choices (false: printed why). */
bool cli_choice_value(const cli_value *value, int *out);
/* Append to a LIST row's field; false when memory runs out. */
bool cli_list_add(const cli_value *value, const char *item);
/* A copy of text freed with the parse (the list items of a call may point
 * into it); NULL when memory runs out. */
char *cli_keep_copy(const cli_value *value, const char *text);
/* "error: ..." about the value, in the parser's form. Returns false. */
bool cli_value_error(const cli_value *value, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command's help, as --help prints it. */
void cli_help(const cli_spec *spec, FILE *out);

/* ---- rows ----
 * Each macro takes the struct S the table describes and the member the
 * value goes to; a member of the wrong type does not compile. The last
 * argument is the help text, and may be followed by more designated
 * fields (".flags = CLI_ONCE"). */

#define CLI_AT(S, member, T) _Generic(((S *)0)->member, T : offsetof(S, member))
/* An enum member, stored as an int: the same size is all C guarantees. */
#define CLI_AT_ENUM(S, member)                                                                     \
    (offsetof(S, member) + 0 * sizeof(char[sizeof(((S *)0)->member) == sizeof(int) ? 1 : -1]))

#define CLI_END                                                                                    \
    {                                                                                              \
        .kind = CLI_OPT_END                                                                        \
    }
#define CLI_SECTION(heading)                                                                       \
    {                                                                                              \
        .kind = CLI_OPT_SECTION, .help = (heading)                                                 \
    }
#define CLI_TEXT(text)                                                                             \
    {                                                                                              \
        .kind = CLI_OPT_TEXT, .help = (text)                                                       \
    }
#define CLI_INCLUDE(rows, S, member, T)                                                            \
    {                                                                                              \
        .kind = CLI_OPT_INCLUDE, .table = (rows), .offset = CLI_AT(S, member, T)                   \
    }
/* Rows over the same struct, kept in a table of their own so that a
 * command can ask which of them were given (cli_first_given). */
#define CLI_GROUP(rows)                                                                            \
    {                                                                                              \
        .kind = CLI_OPT_INCLUDE, .table = (rows), .offset = 0                                      \
    }
#define CLI_HELP(s, l, ...)                                                                        \
    {                                                                                              \
        .kind = CLI_OPT_HELP, .short_name = (s), .long_name = (l), .help = __VA_ARGS__             \
    }
#define CLI_FLAG(s, l, S, member, ...)                                                             \
    {                                                                                              \
        .kind = CLI_OPT_FLAG, .short_name = (s), .long_name = (l),                                 \
        .offset = CLI_AT(S, member, bool), .help = __VA_ARGS__                                     \
    }
#define CLI_STRING(s, l, v, S, member, ...)                                                        \
    {                                                                                              \
        .kind = CLI_OPT_STRING, .short_name = (s), .long_name = (l), .value_name = (v),            \
        .offset = CLI_AT(S, member, const char *), .help = __VA_ARGS__                             \
    }
#define CLI_LIST(s, l, v, S, member, count, ...)                                                   \
    {                                                                                              \
        .kind = CLI_OPT_LIST, .short_name = (s), .long_name = (l), .value_name = (v),              \
        .offset = CLI_AT(S, member, const char *const *),                                          \
        .count_offset = CLI_AT(S, count, size_t), .help = __VA_ARGS__                              \
    }
#define CLI_INT(s, l, v, S, member, lo, hi, ...)                                                   \
    {                                                                                              \
        .kind = CLI_OPT_INT, .short_name = (s), .long_name = (l), .value_name = (v),               \
        .offset = CLI_AT(S, member, int), .min = (lo), .max = (hi), .help = __VA_ARGS__            \
    }
#define CLI_NUMBER(s, l, v, S, member, lo, hi, ...)                                                \
    {                                                                                              \
        .kind = CLI_OPT_NUMBER, .short_name = (s), .long_name = (l), .value_name = (v),            \
        .offset = CLI_AT(S, member, double), .min = (lo), .max = (hi), .help = __VA_ARGS__         \
    }
#define CLI_MILLIS(s, l, v, S, member, lo, hi, ...)                                                \
    {                                                                                              \
        .kind = CLI_OPT_MILLIS, .short_name = (s), .long_name = (l), .value_name = (v),            \
        .offset = CLI_AT(S, member, long), .min = (lo), .max = (hi), .help = __VA_ARGS__           \
    }
#define CLI_SIZE(s, l, v, S, member, ...)                                                          \
    {                                                                                              \
        .kind = CLI_OPT_SIZE, .short_name = (s), .long_name = (l), .value_name = (v),              \
        .offset = CLI_AT(S, member, int64_t), .help = __VA_ARGS__                                  \
    }
#define CLI_CHOICE(s, l, v, S, member, list, ...)                                                  \
    {                                                                                              \
        .kind = CLI_OPT_CHOICE, .short_name = (s), .long_name = (l), .value_name = (v),            \
        .offset = CLI_AT_ENUM(S, member), .choices = (list), .help = __VA_ARGS__                   \
    }
#define CLI_CALL(s, l, v, S, member, T, fn, ...)                                                   \
    {                                                                                              \
        .kind = CLI_OPT_CALL, .short_name = (s), .long_name = (l), .value_name = (v),              \
        .offset = CLI_AT(S, member, T), .call = (fn), .help = __VA_ARGS__                          \
    }

#endif
