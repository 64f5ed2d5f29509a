/* pm3k CLI — entry point and the command table. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

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
    if (init)
        pm3k_global_cleanup();
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
    if (!cmd) {
        cli_error("'%s' is not a pm3k command; see 'pm3k --help'", name);
        return PM3K_EXIT_USAGE;
    }
    cli_help(cmd->spec, stdout);
    return PM3K_EXIT_OK;
}

int main(int argc, char **argv)
{
    /* A closed pipe (pm3k probe ... | head) is a write error, not a kill. */
    signal(SIGPIPE, SIG_IGN);
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
    const cli_command *cmd = cli_find_command(name);
    if (!cmd) {
        cli_error("'%s' is not a pm3k command; see 'pm3k --help'", name);
        return PM3K_EXIT_USAGE;
    }
    return run(cmd, argc - 1, argv + 1);
}
