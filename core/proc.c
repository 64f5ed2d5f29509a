/* pm3k — process tokens (see core/proc.h). */
#include "core/proc.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat, after the parenthesised command name (which
 * may hold spaces and parentheses: scan from the last ')'). 0: unknown. */
static unsigned long long start_ticks(pid_t pid, bool *exists)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    *exists = f != NULL || errno != ENOENT;
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    /* after ") " come fields 3..: state is 3, start time 22 */
    p++;
    for (int field = 3; field <= 22 && p; field++) {
        while (*p == ' ')
            p++;
        if (field == 22)
            return strtoull(p, NULL, 10);
        p = strchr(p, ' ');
    }
    return 0;
}

static bool host_name(char *out, size_t len)
{
    if (gethostname(out, len) != 0)
        return false;
    out[len - 1] = '\0';
    for (char *c = out; *c; c++)
        if (*c == ' ')
            *c = '_';
    return out[0] != '\0';
}

bool pm3k__proc_token(pid_t pid, char *out, size_t out_len)
{
    char host[256];
    bool exists;
    unsigned long long start = start_ticks(pid, &exists);
    if (!exists || !host_name(host, sizeof host))
        return false;
    int n = snprintf(out, out_len, "%s %ld %llu", host, (long)pid, start);
    return n > 0 && (size_t)n < out_len;
}

bool pm3k__proc_gone(const char *token)
{
    char host[256], here[256];
    long pid;
    unsigned long long start;
    if (!token || sscanf(token, "%255s %ld %llu", host, &pid, &start) != 3 || pid <= 0 ||
        !host_name(here, sizeof here) || strcmp(host, here) != 0)
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    bool exists;
    unsigned long long now_start = start_ticks((pid_t)pid, &exists);
    if (!exists)
        return true;
    /* the pid is taken: by the same process unless both start times are
     * known and differ */
    return start != 0 && now_start != 0 && now_start != start;
}
