/* pm3k CLI — man pages and shell completions, made from the same option
 * tables that parse the command line and print --help, so they cannot
 * drift from it. The build runs `pm3k --generate man|bash|zsh DIR` and
 * `cmake --install` puts the files where man, bash-completion and zsh
 * look. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/docgen.h"

static bool is_option(const cli_option *o)
{
    return o->kind >= CLI_OPT_FLAG;
}

/* roff: a backslash is \e, a '-' is \-, and a line must not start with
 * '.' or '\''. */
static void roff(FILE *out, const char *text)
{
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            fputs("\\&", out);
        if (*p == '\\')
            fputs("\\e", out);
        else if (*p == '-')
            fputs("\\-", out);
        else
            fputc(*p, out);
        line_start = *p == '\n';
    }
}

static void man_options(FILE *out, const cli_option *t)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE) {
            man_options(out, t->table);
            continue;
        }
        if (t->kind == CLI_OPT_SECTION) {
            fputs(".SS ", out);
            roff(out, t->help);
            fputc('\n', out);
            continue;
        }
        if (t->kind == CLI_OPT_TEXT) {
            fputs(".PP\n", out);
            roff(out, t->help);
            fputc('\n', out);
            continue;
        }
        fputs(".TP\n.B ", out);
        if (t->short_name)
            fprintf(out, "\\-%c, ", t->short_name);
        fputs("\\-\\-", out);
        roff(out, t->long_name);
        if (t->value_name) {
            fputs(" \\fI", out);
            roff(out, t->value_name);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        roff(out, t->help ? t->help : "");
        fputc('\n', out);
    }
}

static void man_page(FILE *out, const cli_spec *spec, const char *version)
{
    fputs(".TH PM3K\\-", out);
    for (const char *p = spec->name; *p; p++)
        fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, out);
    fprintf(out, " 1 \"\" \"pm3k %s\" \"pm3k manual\"\n.SH NAME\npm3k\\-", version);
    roff(out, spec->name);
    fputs(" \\- ", out);
    roff(out, spec->summary);
    fputs("\n.SH SYNOPSIS\n", out);
    for (const char *line = spec->synopsis; *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(out, ".B pm3k %s\n", spec->name);
        char part[512];
        snprintf(part, sizeof part, "%.*s", (int)len, line);
        roff(out, part);
        fputs("\n.br\n", out);
        line += len + (line[len] == '\n');
    }
    fputs(".SH DESCRIPTION\n", out);
    roff(out, spec->description);
    fputs("\n.SH OPTIONS\n", out);
    man_options(out, spec->options);
    if (spec->examples) {
        fputs(".SH EXAMPLES\n.nf\n", out);
        roff(out, spec->examples);
        fputs("\n.fi\n", out);
    }
    fputs(".SH SEE ALSO\n.BR pm3k (1)\n", out);
}

static void man_index(FILE *out, const cli_spec *const *specs, size_t count, const char *version)
{
    fprintf(out,
            ".TH PM3K 1 \"\" \"pm3k %s\" \"pm3k manual\"\n.SH NAME\npm3k \\- preflight and "
            "publish TikTok posts through PM3K\n.SH SYNOPSIS\n.B pm3k\n\\fICOMMAND\\fR "
            "[\\fIOPTIONS\\fR]\n.SH COMMANDS\n",
            version);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, ".TP\n.BR pm3k\\-%s (1)\n", specs[i]->name);
        roff(out, specs[i]->summary);
        fputc('\n', out);
    }
    fputs(".SH EXIT STATUS\n0 all passed, 1 a rule failed, 2 usage or configuration error, 3 "
          "could not check now, 130/143 after SIGINT/SIGTERM, 141 when stdout closed.\n",
          out);
}

/* ---- completions ---- */

static void words_of(FILE *out, const cli_option *t, bool *first)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE) {
            words_of(out, t->table, first);
        } else if (is_option(t)) {
            fprintf(out, "%s--%s", *first ? "" : " ", t->long_name);
            *first = false;
        }
    }
}

static void bash_choices(FILE *out, const cli_option *t)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE) {
            bash_choices(out, t->table);
        } else if (is_option(t) && t->value_name && t->choices) {
            fprintf(out, "        --%s) COMPREPLY=($(compgen -W \"", t->long_name);
            for (const cli_choice *c = t->choices; c->name; c++)
                fprintf(out, "%s%s", c == t->choices ? "" : " ", c->name);
            fputs("\" -- \"$cur\")); return ;;\n", out);
        }
    }
}

static void bash(FILE *out, const cli_spec *const *specs, size_t count)
{
    fputs("# bash completion for pm3k, made from its option tables\n"
          "_pm3k() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"",
          out);
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s ", specs[i]->name);
    fputs("help --help --version\" -- \"$cur\"))\n        return\n    fi\n"
          "    local opts\n    case ${COMP_WORDS[1]} in\n",
          out);
    for (size_t i = 0; i < count; i++) {
        bool first = true;
        fprintf(out, "    %s)\n        case $prev in\n", specs[i]->name);
        bash_choices(out, specs[i]->options);
        fputs("        esac\n        opts=\"", out);
        words_of(out, specs[i]->options, &first);
        fputs("\" ;;\n", out);
    }
    fputs("    *) return ;;\n    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _pm3k pm3k\n",
          out);
}

/* A zsh _arguments description: the help's first clause, without the
 * characters the spec syntax gives meaning to. */
static void zsh_text(FILE *out, const char *text, size_t max)
{
    size_t n = 0;
    for (const char *p = text; *p && n < max; p++, n++) {
        if (*p == '(' || *p == ';' || *p == ':' || (*p == ',' && n > 30))
            break;
        if (strchr("[]:'\\\"`$", *p))
            continue;
        fputc(*p == '\n' ? ' ' : *p, out);
    }
}

static void zsh_options(FILE *out, const cli_option *t)
{
    for (; t->kind != CLI_OPT_END; t++) {
        if (t->kind == CLI_OPT_INCLUDE) {
            zsh_options(out, t->table);
            continue;
        }
        if (!is_option(t))
            continue;
        fprintf(out, "            '--%s%s[", t->long_name, t->value_name ? "=" : "");
        zsh_text(out, t->help ? t->help : "", 60);
        fputc(']', out);
        if (t->value_name && t->choices) {
            fprintf(out, ":%s:(", t->value_name);
            for (const cli_choice *c = t->choices; c->name; c++)
                fprintf(out, "%s%s", c == t->choices ? "" : " ", c->name);
            fputc(')', out);
        } else if (t->value_name) {
            fprintf(out, ":%s:_files", t->value_name);
        }
        fputs("' \\\n", out);
    }
}

static void zsh(FILE *out, const cli_spec *const *specs, size_t count)
{
    fputs("#compdef pm3k\n# zsh completion for pm3k, made from its option tables\n"
          "_pm3k() {\n    local -a commands\n    commands=(\n",
          out);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "        '%s:", specs[i]->name);
        zsh_text(out, specs[i]->summary, 70);
        fputs("'\n", out);
    }
    fputs("    )\n    if (( CURRENT == 2 )); then\n        _describe command commands\n"
          "        return\n    fi\n    local cmd=$words[2]\n    shift words\n"
          "    (( CURRENT-- ))\n    case $cmd in\n",
          out);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "    %s)\n        _arguments -s \\\n", specs[i]->name);
        zsh_options(out, specs[i]->options);
        fputs("            '*:input:_files' ;;\n", out);
    }
    fputs("    esac\n}\n_pm3k \"$@\"\n", out);
}

static int write_file(const char *dir, const char *name, void (*fill)(FILE *, const void *),
                      const void *arg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *out = fopen(path, "w");
    if (!out) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return PM3K_EXIT_USAGE;
    }
    fill(out, arg);
    if (fclose(out) != 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return PM3K_EXIT_USAGE;
    }
    return PM3K_EXIT_OK;
}

typedef struct docgen_all {
    const cli_spec *const *specs;
    size_t count;
    const cli_spec *one;
    const char *version;
} docgen_all;

static void fill_man(FILE *out, const void *arg)
{
    const docgen_all *all = arg;
    if (all->one)
        man_page(out, all->one, all->version);
    else
        man_index(out, all->specs, all->count, all->version);
}

static void fill_bash(FILE *out, const void *arg)
{
    const docgen_all *all = arg;
    bash(out, all->specs, all->count);
}

static void fill_zsh(FILE *out, const void *arg)
{
    const docgen_all *all = arg;
    zsh(out, all->specs, all->count);
}

int cli_docgen(const char *what, const char *dir, const cli_spec *const *specs, size_t count,
               const char *version)
{
    docgen_all all = {specs, count, NULL, version};
    if (strcmp(what, "bash") == 0)
        return write_file(dir, "pm3k", fill_bash, &all);
    if (strcmp(what, "zsh") == 0)
        return write_file(dir, "_pm3k", fill_zsh, &all);
    if (strcmp(what, "man") != 0) {
        cli_error("--generate makes man, bash or zsh, not '%s'", what);
        return PM3K_EXIT_USAGE;
    }
    int rc = write_file(dir, "pm3k.1", fill_man, &all);
    for (size_t i = 0; rc == PM3K_EXIT_OK && i < count; i++) {
        char name[64];
        snprintf(name, sizeof name, "pm3k-%s.1", specs[i]->name);
        all.one = specs[i];
        rc = write_file(dir, name, fill_man, &all);
    }
    return rc;
}
