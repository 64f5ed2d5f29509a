/* pm3k CLI — entry point and the command table. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

static const cli_command commands[] = {
    {"probe", cmd_probe, cmd_probe_usage,
     "check video/image files, folders and URLs before posting"},
    {"domain", cmd_domain, cmd_domain_usage, "verify a custom domain the way PM3K does"},
    {"payload", cmd_payload, cmd_payload_usage,
     "build a direct_post JSON body, or lint and fix one"},
};

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
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
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "'pm3k help COMMAND' or 'pm3k COMMAND --help' explains a command.\n"
          "Exit status: 0 passed, 1 a rule failed, 2 usage error, 3 could not check now.\n",
          out);
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

int main(int argc, char **argv)
{
    pm3k_error err = {0};
    /* A closed pipe (pm3k probe ... | head) is a write error, not a kill. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        main_usage(stderr);
        return PM3K_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0)
        return print_version();
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        main_usage(stdout);
        return PM3K_EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            main_usage(stdout);
            return PM3K_EXIT_OK;
        }
        const cli_command *cmd = cli_find_command(argv[2]);
        if (!cmd) {
            cli_error("'%s' is not a pm3k command; see 'pm3k --help'", argv[2]);
            return PM3K_EXIT_USAGE;
        }
        cmd->usage(stdout);
        return PM3K_EXIT_OK;
    }
    const cli_command *cmd = cli_find_command(name);
    if (!cmd) {
        cli_error("'%s' is not a pm3k command; see 'pm3k --help'", name);
        return PM3K_EXIT_USAGE;
    }
    if (pm3k_global_init(&err) != PM3K_OK) {
        cli_error("%s", err.message);
        return PM3K_EXIT_USAGE;
    }
    int rc = cmd->run(argc - 1, argv + 1);
    pm3k_global_cleanup();
    return rc;
}
