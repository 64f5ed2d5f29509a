/* pm3k CLI — each command's spec (options and help) and entry point, one
 * cli/cmd_<name>.c each. */
#ifndef PM3K_CLI_COMMANDS_H
#define PM3K_CLI_COMMANDS_H

#include "cli/opt.h"

extern const cli_spec cmd_probe_spec;
int cmd_probe(int argc, char **argv);
extern const cli_spec cmd_domain_spec;
int cmd_domain(int argc, char **argv);
extern const cli_spec cmd_payload_spec;
int cmd_payload(int argc, char **argv);
extern const cli_spec cmd_post_spec;
int cmd_post(int argc, char **argv);
extern const cli_spec cmd_status_spec;
int cmd_status(int argc, char **argv);
extern const cli_spec cmd_history_spec;
int cmd_history(int argc, char **argv);
extern const cli_spec cmd_fix_spec;
int cmd_fix(int argc, char **argv);
extern const cli_spec cmd_report_spec;
int cmd_report(int argc, char **argv);
extern const cli_spec cmd_upload_spec;
int cmd_upload(int argc, char **argv);
extern const cli_spec cmd_publish_spec;
int cmd_publish(int argc, char **argv);

#endif
