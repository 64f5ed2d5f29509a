/* pm3k CLI — man pages and shell completions from the option tables
 * (cli/docgen.c). */
#ifndef PM3K_CLI_DOCGEN_H
#define PM3K_CLI_DOCGEN_H

#include <stddef.h>

#include "cli/opt.h"

/* Write what ("man": pm3k.1 and pm3k-COMMAND.1; "bash": pm3k; "zsh":
 * _pm3k) into dir for these commands. Returns the exit code. */
int cli_docgen(const char *what, const char *dir, const cli_spec *const *specs, size_t count,
               const char *version);

#endif
