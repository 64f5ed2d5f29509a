/* pm3k CLI — one entry point per cmd_<name>.c. */
#ifndef PM3K_CLI_COMMANDS_H
#define PM3K_CLI_COMMANDS_H

#include <stdio.h>

int cmd_probe(int argc, char **argv);
void cmd_probe_usage(FILE *out);
int cmd_domain(int argc, char **argv);
void cmd_domain_usage(FILE *out);
int cmd_payload(int argc, char **argv);
void cmd_payload_usage(FILE *out);

#endif
