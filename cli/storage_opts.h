/* pm3k CLI — what pm3k upload and pm3k publish share: the target's
 * options, the body's options, progress on a terminal and the stop on
 * SIGINT/SIGTERM (cli/storage_opts.c). */
#ifndef PM3K_CLI_STORAGE_OPTS_H
#define PM3K_CLI_STORAGE_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "pm3k/upload.h"

/* --to, --public-base, --domain, --addressing-style, --force, multipart. */
typedef struct cli_storage {
    const char *to, *public_base, *domain;
    pm3k_addressing addressing;
    bool force;
    int64_t multipart_threshold, part_size;
} cli_storage;

extern const cli_option cli_storage_options[];

/* --privacy, --title, --cover, --disable-*, --auto-add-music. */
typedef struct cli_body {
    const char *privacy, *title;
    int cover;
    bool disable_comment, disable_duet, disable_stitch, auto_music;
} cli_body;

extern const cli_option cli_body_options[];
void cli_body_apply(const cli_body *body, pm3k_payload_options *opt);

/* The storage for a run: key (PM3K storage), history, the target. -1
 * with *out set, or an exit code after printing why. */
int cli_storage_open(const cli_storage *st, const cli_common *common, const pm3k_http_options *http,
                     const pm3k_api_key *key, pm3k_history *history, pm3k_storage **out);

/* SIGINT/SIGTERM (cli/signal.c) stop the run: the library asks
 * cli_stopping; a second signal ends it at once. */
bool cli_stopping(void *unused);
/* 130 or 143 after a signal, else exit_code. */
int cli_stop_exit(int exit_code);

/* A progress line on stderr, on a terminal only. */
void cli_upload_progress(void *userdata, const pm3k_upload_progress *p);
void cli_upload_progress_end(void);

#endif
