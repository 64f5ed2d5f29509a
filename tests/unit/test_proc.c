/* Unit tests for core/proc.c: a token names this process; a token is
 * "gone" only when it names this host and a process that is not running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/proc.h"

static void own_token_is_not_gone(void **state)
{
    (void)state;
    char token[PM3K__PROC_TOKEN_MAX];
    assert_true(pm3k__proc_token(getpid(), token, sizeof token));
    assert_false(pm3k__proc_gone(token));
}

static void dead_child_is_gone(void **state)
{
    (void)state;
    char token[PM3K__PROC_TOKEN_MAX];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char buf;
        close(fds[1]);
        (void)!read(fds[0], &buf, 1); /* until the parent took the token */
        _exit(0);
    }
    close(fds[0]);
    assert_true(pm3k__proc_token(pid, token, sizeof token));
    assert_false(pm3k__proc_gone(token)); /* running */
    close(fds[1]);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_true(pm3k__proc_gone(token));
    assert_false(pm3k__proc_token(pid, token, sizeof token));
}

static void reused_pid_is_gone(void **state)
{
    (void)state;
    char token[PM3K__PROC_TOKEN_MAX], host[256];
    assert_int_equal(gethostname(host, sizeof host), 0);
    /* this pid, but a start time it never had */
    snprintf(token, sizeof token, "%s %ld 1", host, (long)getpid());
    assert_true(pm3k__proc_gone(token));
}

static void other_hosts_and_garbage_are_never_gone(void **state)
{
    (void)state;
    assert_false(pm3k__proc_gone("another-host.example 999999 1"));
    assert_false(pm3k__proc_gone(""));
    assert_false(pm3k__proc_gone(NULL));
    assert_false(pm3k__proc_gone("just words"));
    char token[PM3K__PROC_TOKEN_MAX], host[256];
    assert_int_equal(gethostname(host, sizeof host), 0);
    snprintf(token, sizeof token, "%s -4 0", host);
    assert_false(pm3k__proc_gone(token));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(own_token_is_not_gone),
        cmocka_unit_test(dead_child_is_gone),
        cmocka_unit_test(reused_pid_is_gone),
        cmocka_unit_test(other_hosts_and_garbage_are_never_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
