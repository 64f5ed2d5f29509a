/* pm3k — process exit codes, shared by every command. */
#ifndef PM3K_EXIT_H
#define PM3K_EXIT_H

/* When a run has several outcomes, the first that applies of USAGE,
 * RULE_FAILED, TRANSIENT, OK is the exit code (pm3k_exit_merge). */
enum {
    PM3K_EXIT_OK = 0,          /* all passed (warnings allowed unless --strict) */
    PM3K_EXIT_RULE_FAILED = 1, /* a rule failed / post failed / publish failed */
    PM3K_EXIT_USAGE = 2,       /* usage or configuration error, unreadable input path */
    PM3K_EXIT_TRANSIENT = 3    /* could not decide now: network, rate limit, pending */
};

/* Combine two exit codes with the precedence 2 > 1 > 3 > 0. */
int pm3k_exit_merge(int a, int b);

#endif
