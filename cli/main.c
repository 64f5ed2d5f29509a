/* pm3k CLI — entry point and the command table. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/docgen.h"

/* Each command: its spec and run function (cli/cmd_<name>.c), and what it
 * needs set up before it runs. */
static const cli_command commands[] = {
    {&cmd_probe_spec, cmd_probe, CLI_NEEDS_MEDIA | CLI_NEEDS_HTTP},
    {&cmd_domain_spec, cmd_domain, CLI_NEEDS_HTTP},
    {&cmd_payload_spec, cmd_payload, CLI_NEEDS_NOTHING},
    {&cmd_post_spec, cmd_post, CLI_NEEDS_HTTP | CLI_NEEDS_HISTORY},
    {&cmd_status_spec, cmd_status, CLI_NEEDS_HTTP | CLI_NEEDS_HISTORY},
    {&cmd_history_spec, cmd_history, CLI_NEEDS_HISTORY},
    {&cmd_fix_spec, cmd_fix, CLI_NEEDS_MEDIA},
    {&cmd_report_spec, cmd_report, CLI_NEEDS_NOTHING},
    {&cmd_upload_spec, cmd_upload, CLI_NEEDS_MEDIA | CLI_NEEDS_HTTP | CLI_NEEDS_HISTORY},
    {&cmd_publish_spec, cmd_publish, CLI_NEEDS_MEDIA | CLI_NEEDS_HTTP | CLI_NEEDS_HISTORY},
};

/* The needs pm3k_global_init serves: it starts libcurl and fixes the
 * environment FFmpeg and libvips are later loaded under (the libraries
 * themselves come with the first media check). The posting history is
 * opened by the commands that use it. */
#define GLOBAL_INIT_NEEDS (CLI_NEEDS_MEDIA | CLI_NEEDS_HTTP)

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].spec->name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Whether any command has this long option: a config file is shared by
 * them all, and a line for another command is no mistake. */
static bool known_elsewhere(const char *long_name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (cli_spec_has_option(commands[i].spec, long_name))
            return true;
    }
    return false;
}

/* "'comit' is not a pm3k command", with git's "did you mean". */
static int unknown_command(const char *name)
{
    const char *near = NULL;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        size_t d = cli_edit_distance(name, commands[i].spec->name);
        if (d < best) {
            best = d;
            near = commands[i].spec->name;
        }
    }
    if (near && cli_near_enough(name, best))
        cli_error("'%s' is not a pm3k command; did you mean '%s'? (see 'pm3k --help')", name, near);
    else
        cli_error("'%s' is not a pm3k command; see 'pm3k --help'", name);
    return PM3K_EXIT_USAGE;
}

/* An option before any command: pm3k knows only --help and --version
 * there. */
static int unknown_main_option(const char *arg)
{
    static const char *const main_options[] = {"--help", "--version"};
    const char *near = NULL;
    for (size_t i = 0; i < 2; i++)
        if (cli_near_enough(arg, cli_edit_distance(arg, main_options[i])))
            near = main_options[i];
    if (near)
        cli_error("unknown option '%s'; did you mean '%s'?", arg, near);
    else
        cli_error("unknown option '%s': options go after the command (pm3k probe -v FILE)", arg);
    fputs("see 'pm3k --help'\n", stderr);
    return PM3K_EXIT_USAGE;
}

/* pm3k --generate man|bash|zsh DIR, for the build (see CMakeLists.txt). */
static int generate(int argc, char **argv)
{
    const cli_spec *specs[sizeof commands / sizeof commands[0]];
    size_t count = sizeof commands / sizeof commands[0];
    if (argc != 4) {
        cli_error("usage: pm3k --generate man|bash|zsh DIR");
        return PM3K_EXIT_USAGE;
    }
    for (size_t i = 0; i < count; i++)
        specs[i] = commands[i].spec;
    return cli_docgen(argv[2], argv[3], specs, count, pm3k_version());
}

static void main_usage(FILE *out)
{
    fputs("usage: pm3k [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Preflight and publish TikTok posts through PM3K: every problem is explained with\n"
          "the exact error PM3K or TikTok would return, before anything is sent.\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].spec->name, commands[i].spec->summary);
    fputs("\n"
          "'pm3k help COMMAND' or 'pm3k COMMAND --help' explains a command.\n"
          "Exit status: 0 passed, 1 a rule failed, 2 usage error, 3 could not check now.\n",
          out);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    pm3k_error err = {0};
    bool init = (cmd->needs & GLOBAL_INIT_NEEDS) != 0;
    if (init && pm3k_global_init(&err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    int rc = cmd->run(argc, argv);
    if (rc == PM3K_EXIT_USAGE)
        cli_usage_document();
    if (init)
        pm3k_global_cleanup();
    /* A reader that went away (| head) ends the run as SIGPIPE would have. */
    if (cli_run_epipe() && !cli_interrupted())
        return 128 + SIGPIPE;
    return rc;
}

static int print_version(void)
{
    pm3k_error err = {0};
    /* The versions are those a media check would load, set up the same way. */
    if (pm3k_global_init(&err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    printf("pm3k %s\n%s\n", pm3k_version(), pm3k_library_versions());
    pm3k_global_cleanup();
    return PM3K_EXIT_OK;
}

static int print_help(const char *name)
{
    if (!name) {
        main_usage(stdout);
        return PM3K_EXIT_OK;
    }
    const cli_command *cmd = cli_find_command(name);
    if (!cmd)
        return unknown_command(name);
    cli_help(cmd->spec, stdout);
    return PM3K_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* A closed pipe (pm3k probe ... | head) is a write error, not a kill:
     * the run ends quietly with the SIGPIPE status. */
    signal(SIGPIPE, SIG_IGN);
    cli_signals_install();
    cli_option_known_elsewhere = known_elsewhere;
    if (argc < 2) {
        main_usage(stderr);
        return PM3K_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0)
        return print_version();
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return print_help(NULL);
    if (strcmp(name, "help") == 0)
        return print_help(argc < 3 ? NULL : argv[2]);
    if (strcmp(name, "--generate") == 0)
        return generate(argc, argv);
    if (name[0] == '-')
        return unknown_main_option(name);
    const cli_command *cmd = cli_find_command(name);
    if (!cmd)
        return unknown_command(name);
    return run(cmd, argc - 1, argv + 1);
}
