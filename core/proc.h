/* pm3k — which process holds a record: a token naming this host and
 * process, and whether the process a token names is certainly gone. The
 * history marks a post "sending" with its sender's token, so a run that
 * was killed (or crashed) while its direct_post was in flight is settled
 * as "outcome unknown" at once by the next run on the same host, instead
 * of blocking it as "another pm3k is sending this" until a timeout. */
#ifndef PM3K_CORE_PROC_H
#define PM3K_CORE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PM3K__PROC_TOKEN_MAX 320

/* "HOST PID START": START is the process's start time in clock ticks after
 * boot (/proc/PID/stat), so a reused pid is not taken for the same process;
 * 0 where /proc cannot say. False when pid is not a running process. */
bool pm3k__proc_token(pid_t pid, char *out, size_t out_len);

/* True only when token names this host and its process is not running any
 * more (no such pid, or a pid since reused by another process). A token of
 * another host, or one that does not parse, is never "gone": that process
 * may still be sending. */
bool pm3k__proc_gone(const char *token);

#endif
