/* Unit tests for core/http.c and core/http_answer.c: header capture,
 * lengths, ranges, verdicts, option checks, and requests made end to end
 * through libcurl against a canned server on a socket pair (method,
 * headers, bodies from memory and from a callback, bounded answers, stops,
 * progress, a multi handle, and -v traces with the secrets redacted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/http.h"
#include "core/redact.h"
#include "pm3k/pm3k.h"
#include "pm3k_version.h"

static pm3k__http_response resp;

/* Feed a whole header block, lines separated by "\n" (CRLF added). */
static void feed(const char *block)
{
    char line[2048];
    pm3k__http_response_reset(&resp);
    resp.request.abort_after_headers = false;
    for (const char *p = block; *p;) {
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s\r\n", (int)n, p);
        pm3k__http_feed_header(&resp, line, strlen(line));
        p += n;
        if (*p)
            p++;
    }
}

static void parse_length(void **state)
{
    int64_t v = -1;
    assert_true(pm3k__http_parse_length("3017098", &v));
    assert_int_equal(v, 3017098);
    assert_true(pm3k__http_parse_length(" 5, 5 ", &v));
    assert_int_equal(v, 5);
    assert_true(pm3k__http_parse_length("0", &v));
    assert_int_equal(v, 0);
    assert_false(pm3k__http_parse_length("5, 6", &v));
    assert_false(pm3k__http_parse_length("", &v));
    assert_false(pm3k__http_parse_length("-1", &v));
    assert_false(pm3k__http_parse_length("12a", &v));
    assert_false(pm3k__http_parse_length("1.5", &v));
    assert_false(pm3k__http_parse_length("99999999999999999999", &v));
    assert_false(pm3k__http_parse_length("5,", &v));
}

static void parse_content_range(void **state)
{
    int64_t a, b, t;
    assert_true(pm3k__http_parse_content_range("bytes 0-131071/3017098", &a, &b, &t));
    assert_int_equal(a, 0);
    assert_int_equal(b, 131071);
    assert_int_equal(t, 3017098);
    assert_true(pm3k__http_parse_content_range("bytes 10-19/*", &a, &b, &t));
    assert_int_equal(t, -1);
    assert_false(pm3k__http_parse_content_range("bytes 19-10/100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes 0-100/100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes */100", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("items 0-9/10", &a, &b, &t));
    assert_false(pm3k__http_parse_content_range("bytes 0-9/10 x", &a, &b, &t));
}

static void header_capture(void **state)
{
    feed("HTTP/1.1 100 Continue\n\nHTTP/1.1 404 Not Found\nContent-Type:  text/html \n"
         "X-Empty:\n no-colon-folded\n\n");
    assert_int_equal(resp.status, 404);
    assert_string_equal(resp.reason, "Not Found");
    assert_true(resp.headers_done);
    assert_int_equal(resp.header_count, 2);
    assert_string_equal(pm3k__http_header_get(&resp, "content-type"), "text/html");
    assert_string_equal(pm3k__http_header_get(&resp, "X-EMPTY"), "");
    assert_null(pm3k__http_header_get(&resp, "Location"));

    /* Bounded: more headers than fit are counted as left out. */
    char block[8192];
    size_t n = (size_t)snprintf(block, sizeof block, "HTTP/2 200 \n");
    for (int i = 0; i < PM3K__HTTP_MAX_HEADERS + 5; i++)
        n += (size_t)snprintf(block + n, sizeof block - n, "X-H%d: %d\n", i, i);
    feed(block);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.header_count, PM3K__HTTP_MAX_HEADERS);
    assert_true(resp.headers_truncated);

    /* Stop right after the headers when asked. */
    pm3k__http_response_reset(&resp);
    resp.request.abort_after_headers = true;
    pm3k__http_feed_header(&resp, "HTTP/1.1 200 OK\r\n", 17);
    assert_int_equal(pm3k__http_feed_header(&resp, "\r\n", 2), 0);
    assert_true(resp.aborted);
}

static void content_length(void **state)
{
    int64_t len = -1;
    char reason[160];
    feed("HTTP/1.1 200 OK\nContent-Length: 42\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_VALID);
    assert_int_equal(len, 42);
    feed("HTTP/1.1 200 OK\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_ABSENT);
    feed("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nContent-Length: 42\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_CHUNKED);
    assert_non_null(strstr(reason, "chunked"));
    feed("HTTP/1.1 200 OK\nContent-Length: 42\ncontent-length: 43\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_INVALID);
    feed("HTTP/1.1 200 OK\nContent-Length: lots\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_INVALID);
    assert_non_null(strstr(reason, "'lots'"));
}

/* Every header counts for the checks, however many come before it: only
 * the facts keep a bounded subset. */
static void late_headers(void **state)
{
    char block[16384], reason[160];
    int64_t len = -1;
    size_t n;
    const char *tails[] = {"Content-Length: 1000\n", "Content-Length: 2000\n",
                           "Transfer-Encoding: chunked\n", "Content-Type: video/mp4\n"};
    for (size_t t = 0; t < 4; t++) {
        n = (size_t)snprintf(block, sizeof block, "HTTP/1.1 200 OK\nContent-Length: 1000\n");
        for (int i = 0; i < 2 * PM3K__HTTP_MAX_HEADERS; i++)
            n += (size_t)snprintf(block + n, sizeof block - n, "X-Filler-%d: %d\n", i, i);
        snprintf(block + n, sizeof block - n, "%s\n", tails[t]);
        feed(block);
        assert_true(resp.headers_truncated);
        assert_int_equal(resp.headers_seen, 2 * PM3K__HTTP_MAX_HEADERS + 2);
        pm3k__http_length kind = pm3k__http_content_length(&resp, &len, reason, sizeof reason);
        switch (t) {
        case 0: /* the same value again: still one length */
            assert_int_equal(kind, PM3K__HTTP_LENGTH_VALID);
            assert_int_equal(len, 1000);
            break;
        case 1:
            assert_int_equal(kind, PM3K__HTTP_LENGTH_INVALID);
            assert_non_null(strstr(reason, "1000 and 2000"));
            break;
        case 2:
            assert_int_equal(kind, PM3K__HTTP_LENGTH_CHUNKED);
            break;
        case 3:
            assert_int_equal(kind, PM3K__HTTP_LENGTH_VALID);
            assert_string_equal(pm3k__http_header_get(&resp, "Content-Type"), "video/mp4");
            break;
        }
    }
    /* A length only after the fillers is a length. */
    n = (size_t)snprintf(block, sizeof block, "HTTP/1.1 200 OK\n");
    for (int i = 0; i < 2 * PM3K__HTTP_MAX_HEADERS; i++)
        n += (size_t)snprintf(block + n, sizeof block - n, "X-Filler-%d: %d\n", i, i);
    snprintf(block + n, sizeof block - n, "content-length: 150000000\n\n");
    feed(block);
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_VALID);
    assert_int_equal(len, 150000000);
    /* A 1xx block's headers do not count for the final answer. */
    feed("HTTP/1.1 103 Early Hints\nContent-Length: 7\n\nHTTP/1.1 200 OK\n\n");
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_ABSENT);
    /* A value longer than what is kept is judged whole. */
    n = (size_t)snprintf(block, sizeof block, "HTTP/1.1 200 OK\nContent-Length: 5");
    for (int i = 0; i < 400; i++)
        n += (size_t)snprintf(block + n, sizeof block - n, ", 5");
    snprintf(block + n, sizeof block - n, "\n\n");
    feed(block);
    assert_int_equal(pm3k__http_content_length(&resp, &len, reason, sizeof reason),
                     PM3K__HTTP_LENGTH_VALID);
    assert_int_equal(len, 5);
}

static void classify(void **state)
{
    char reason[256];
    feed("HTTP/1.1 200 OK\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason), PM3K__HTTP_OK);
    feed("HTTP/1.1 301 Moved\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_REDIRECT);
    feed("HTTP/1.1 404 Not Found\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_string_equal(reason, "the server answered 404 Not Found");
    feed("HTTP/1.1 503 Busy\n\n");
    assert_int_equal(pm3k__http_classify(CURLE_OK, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    /* Stopped after the headers on purpose: the status decides. */
    pm3k__http_response_reset(&resp);
    resp.request.abort_after_headers = true;
    pm3k__http_feed_header(&resp, "HTTP/1.1 200 OK\r\n", 17);
    pm3k__http_feed_header(&resp, "\r\n", 2);
    assert_int_equal(pm3k__http_classify(CURLE_WRITE_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_OK);
    pm3k__http_response_reset(&resp);
    assert_int_equal(pm3k__http_classify(CURLE_WRITE_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(
        pm3k__http_classify(CURLE_PEER_FAILED_VERIFICATION, &resp, reason, sizeof reason),
        PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "TLS"));
    assert_int_equal(pm3k__http_classify(CURLE_OPERATION_TIMEDOUT, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_COULDNT_RESOLVE_HOST, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_COULDNT_CONNECT, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_int_equal(pm3k__http_classify(CURLE_GOT_NOTHING, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
}

/* TLS: a refused certificate is the server's for sure; a failed handshake
 * is when its cause is the server's TLS setup, and may otherwise be a reset
 * or an overloaded server; a CA file that cannot be loaded is the run's own
 * configuration. */
static void classify_tls(void **state)
{
    char reason[256];
    static const CURLcode certificate[] = {CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_ISSUER_ERROR,
                                           CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                                           CURLE_SSL_INVALIDCERTSTATUS};
    pm3k__http_response_reset(&resp);
    for (size_t i = 0; i < sizeof certificate / sizeof certificate[0]; i++) {
        assert_int_equal(pm3k__http_classify(certificate[i], &resp, reason, sizeof reason),
                         PM3K__HTTP_DEFINITE);
        assert_non_null(strstr(reason, "certificate verification failed"));
    }
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CONNECT_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    assert_non_null(strstr(reason, "TLS handshake failed"));
    /* A TLS setup that never works is definite, with its cause; a reset or
     * an EOF in the middle of the handshake stays transient. */
    static const struct {
        const char *message;
        pm3k__http_tls_cause cause;
        pm3k__fix fix;
    } handshakes[] = {
        {"OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number",
         PM3K__HTTP_TLS_NOT_TLS, PM3K__FIX_TLS_NOT_TLS},
        {"OpenSSL/3.0.19: error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported",
         PM3K__HTTP_TLS_OLD_PROTOCOL, PM3K__FIX_TLS_OLD_PROTOCOL},
        {"error:0A000102:SSL routines::unsupported protocol", PM3K__HTTP_TLS_OLD_PROTOCOL,
         PM3K__FIX_TLS_OLD_PROTOCOL},
        {"error:0A00042E:SSL routines::tlsv1 alert protocol version", PM3K__HTTP_TLS_OLD_PROTOCOL,
         PM3K__FIX_TLS_OLD_PROTOCOL},
        {"error:0A000410:SSL routines::sslv3 alert handshake failure", PM3K__HTTP_TLS_NO_CIPHER,
         PM3K__FIX_TLS_NO_CIPHER},
        {"error:0A000458:SSL routines::tlsv1 unrecognized name", PM3K__HTTP_TLS_HOST_NAME,
         PM3K__FIX_TLS_HOST_NAME},
        {"Recv failure: Connection reset by peer", PM3K__HTTP_TLS_OK, PM3K__FIX_FETCH_DEFINITE},
        {"OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to a.test:443 ", PM3K__HTTP_TLS_OK,
         PM3K__FIX_FETCH_DEFINITE},
        {"error:0A000126:SSL routines::unexpected eof while reading", PM3K__HTTP_TLS_OK,
         PM3K__FIX_FETCH_DEFINITE},
    };
    for (size_t i = 0; i < sizeof handshakes / sizeof handshakes[0]; i++) {
        pm3k__http_response_reset(&resp);
        snprintf(resp.error, sizeof resp.error, "%s", handshakes[i].message);
        pm3k__http_conclude(&resp, CURLE_SSL_CONNECT_ERROR);
        assert_int_equal(resp.result.tls_cause, handshakes[i].cause);
        assert_int_equal(resp.result.verdict, handshakes[i].cause == PM3K__HTTP_TLS_OK
                                                  ? PM3K__HTTP_TRANSIENT
                                                  : PM3K__HTTP_DEFINITE);
        assert_int_equal(pm3k__http_fix(&resp.result), handshakes[i].fix);
        assert_non_null(strstr(resp.result.reason, handshakes[i].message));
    }
    pm3k__http_response_reset(&resp);
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CACERT_BADFILE, &resp, reason, sizeof reason),
                     PM3K__HTTP_CONFIG);
    assert_int_equal(pm3k__http_classify(CURLE_SSL_CERTPROBLEM, &resp, reason, sizeof reason),
                     PM3K__HTTP_CONFIG);
}

/* Headers libcurl refuses to read are the server's answer, not the
 * network: over 300 KB in all (CURLE_RECV_ERROR with libcurl's message), or
 * one line over 100 KB (CURLE_OUT_OF_MEMORY while the headers come). */
static void classify_headers_too_large(void **state)
{
    char reason[256];
    feed("HTTP/1.1 200 OK\nContent-Length: 5\n");
    assert_false(resp.headers_done);
    snprintf(resp.error, sizeof resp.error, "Too large response headers: 360203 > 307200");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "headers are too large"));
    resp.error[0] = '\0';
    assert_int_equal(pm3k__http_classify(CURLE_OUT_OF_MEMORY, &resp, reason, sizeof reason),
                     PM3K__HTTP_DEFINITE);
    assert_non_null(strstr(reason, "100 KB"));
    /* Any other receive error is the network's. */
    snprintf(resp.error, sizeof resp.error, "Recv failure: Connection reset by peer");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    /* After the headers, or before any status line, it is not about headers. */
    feed("HTTP/1.1 200 OK\n\n");
    snprintf(resp.error, sizeof resp.error, "Too large response headers: 360203 > 307200");
    assert_int_equal(pm3k__http_classify(CURLE_RECV_ERROR, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
    pm3k__http_response_reset(&resp);
    assert_int_equal(pm3k__http_classify(CURLE_OUT_OF_MEMORY, &resp, reason, sizeof reason),
                     PM3K__HTTP_TRANSIENT);
}

static void options_check(void **state)
{
    pm3k_error err = {0};
    const char *good[] = {"media.test:443:127.0.0.1", "+a.test:8443:10.0.0.1,10.0.0.2",
                          "-a.test:443", "[::1]:443:::1", "b.test:443:[::1],127.0.0.1"};
    pm3k_http_options opt = {.resolve = good, .resolve_count = 5};
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
    const char *bad[][1] = {{"media.test:0:127.0.0.1"},
                            {"media.test:70000:1.2.3.4"},
                            {"media.test:443"},
                            {"media.test:x:1.2.3.4"},
                            {":443:1.2.3.4"},
                            {"media.test:443:"},
                            /* an address that is not a numeric IP address */
                            {"media.test:443:localhost"},
                            {"media.test:443:999.1.1.1"},
                            {"media.test:443:127.0.0.1,"},
                            {"media.test:443:127.0.0.1,x"},
                            {"media.test:443:[127.0.0.1"},
                            {"media.test:443:[]"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm3k_http_options one = {.resolve = bad[i], .resolve_count = 1};
        assert_int_equal(pm3k_http_options_check(&one, &err), PM3K_ERR_INVALID_ARG);
        assert_non_null(strstr(err.message, "--resolve"));
    }
    pm3k_http_options ca = {.cacert = "/nonexistent/ca.pem"};
    assert_int_equal(pm3k_http_options_check(&ca, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "--cacert"));

    pm3k__http_ctx ctx;
    pm3k_http_options plain = {.timeout_ms = 0};
    assert_int_equal(pm3k__http_ctx_init(&ctx, &plain, &err), PM3K_OK);
    assert_int_equal(ctx.timeout_ms, PM3K__HTTP_DEFAULT_TIMEOUT_MS);
    assert_string_equal(ctx.user_agent, "pm3k/" PM3K_VERSION_STRING);
    pm3k__http_ctx_free(&ctx);
}

/* Write text to a fresh temporary file; its path goes to path. */
static void temp_file(char *path, size_t path_len, const char *text, size_t pad)
{
    snprintf(path, path_len, "/tmp/pm3k-test-http-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    assert_non_null(fp);
    for (size_t i = 0; i < pad; i++)
        fputc(i % 64 == 63 ? '\n' : 'x', fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

/* --cacert must be a regular file holding a PEM certificate block: anything
 * else would fail every request later (CURLE_SSL_CACERT_BADFILE). */
static void cacert_check(void **state)
{
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    pm3k_error err = {0};
    char path[64];
    pm3k_http_options opt = {.cacert = path};

    temp_file(path, sizeof path, "media.test\n", 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));
    assert_non_null(strstr(err.message, path));
    unlink(path);

    temp_file(path, sizeof path, "", 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "holds no PEM certificate"));
    unlink(path);

    temp_file(path, sizeof path, pem, 0);
    assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
    unlink(path);
    /* The mark across the boundary of two reads, after comments. */
    for (size_t pad = 16384 - 30; pad < 16384 + 2; pad++) {
        temp_file(path, sizeof path, pem, pad);
        assert_int_equal(pm3k_http_options_check(&opt, &err), PM3K_OK);
        unlink(path);
    }

    pm3k_http_options folder = {.cacert = "/tmp"};
    assert_int_equal(pm3k_http_options_check(&folder, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "is a folder"));
    pm3k_http_options device = {.cacert = "/dev/null"};
    assert_int_equal(pm3k_http_options_check(&device, &err), PM3K_ERR_INVALID_ARG);
    assert_non_null(strstr(err.message, "not a regular file"));
}

/* ---- requests against a canned server ----
 *
 * A server on 127.0.0.1 (a port chosen at run time) answers each request
 * with the next canned answer once the request has fully arrived (and
 * "100 Continue" when the client expects it). It runs in the same loop as
 * the multi handle that drives the request, so nothing needs a thread;
 * every loop is bounded. What the client sent is kept for the checks. */

typedef struct canned {
    int listener, conn;
    int port;
    const char *answers[4];
    int answer_count, answered;
    char sent[262144];
    size_t sent_len, request_start;
    bool continued;
} canned;

static canned server = {.listener = -1, .conn = -1};

static void canned_close(void)
{
    if (server.conn >= 0)
        close(server.conn);
    if (server.listener >= 0)
        close(server.listener);
    server.conn = server.listener = -1;
}

/* Listen for a client that will get these answers, one per request. */
static void canned_answers(const char *first, const char *second)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    canned_close();
    memset(&server, 0, sizeof server);
    server.conn = -1;
    server.answers[0] = first;
    server.answers[1] = second;
    server.answer_count = second ? 2 : 1;
    server.listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_true(server.listener >= 0);
    assert_int_equal(bind(server.listener, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(server.listener, 4), 0);
    assert_int_equal(getsockname(server.listener, (struct sockaddr *)&addr, &len), 0);
    server.port = ntohs(addr.sin_port);
}

static void canned_send(const char *text)
{
    assert_int_equal(send(server.conn, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* The request under way has fully arrived: its head, and as many body
 * bytes as its Content-Length says. */
static bool request_complete(void)
{
    const char *start = server.sent + server.request_start;
    const char *end = strstr(start, "\r\n\r\n");
    if (!end)
        return false;
    const char *length = strstr(start, "\r\nContent-Length: ");
    long body = length && length < end ? strtol(length + 18, NULL, 10) : 0;
    if (body > 0 && strstr(start, "\r\nExpect: 100-continue\r\n") && !server.continued) {
        canned_send("HTTP/1.1 100 Continue\r\n\r\n");
        server.continued = true;
    }
    size_t have = server.sent_len - (size_t)(end + 4 - server.sent);
    if (have < (size_t)body)
        return false;
    server.request_start = (size_t)(end + 4 - server.sent) + (size_t)body;
    return true;
}

/* One turn of the server: accept, read what came, answer what is complete. */
static void canned_step(void)
{
    int fresh = accept(server.listener, NULL, NULL);
    if (fresh >= 0) {
        /* A new connection: the next request comes on it. */
        if (server.conn >= 0)
            close(server.conn);
        server.conn = fresh;
        server.request_start = server.sent_len;
        assert_int_equal(fcntl(server.conn, F_SETFL, O_NONBLOCK), 0);
    }
    if (server.conn < 0)
        return;
    ssize_t n;
    while (server.sent_len + 1 < sizeof server.sent &&
           (n = recv(server.conn, server.sent + server.sent_len,
                     sizeof server.sent - 1 - server.sent_len, 0)) > 0)
        server.sent_len += (size_t)n;
    server.sent[server.sent_len] = '\0';
    if (server.answered < server.answer_count && request_complete()) {
        const char *answer = server.answers[server.answered++];
        server.continued = false;
        canned_send(answer);
        if (strstr(answer, "\r\nConnection: close\r\n")) {
            close(server.conn);
            server.conn = -1;
        }
    }
}

/* The URL of path on the canned server. */
static const char *canned_url(const char *path)
{
    static char url[4][256];
    static int next;
    char *out = url[next++ % 4];
    snprintf(out, sizeof url[0], "http://127.0.0.1:%d%s", server.port, path);
    return out;
}

/* Drive a prepared handle in a multi handle, the server alongside, until
 * the transfer is done; then finish it into resp. */
static void drive(CURL *h)
{
    CURLM *multi = curl_multi_init();
    CURLcode code = CURLE_FAILED_INIT;
    bool done = false;
    assert_non_null(multi);
    assert_int_equal(curl_multi_add_handle(multi, h), CURLM_OK);
    for (int turn = 0; turn < 5000 && !done; turn++) {
        int running, queued;
        curl_multi_perform(multi, &running);
        canned_step();
        for (CURLMsg *msg; (msg = curl_multi_info_read(multi, &queued));)
            if (msg->msg == CURLMSG_DONE) {
                code = msg->data.result;
                done = true;
            }
        if (!done)
            curl_multi_poll(multi, NULL, 0, 5, NULL);
    }
    assert_true(done);
    curl_multi_remove_handle(multi, h);
    curl_multi_cleanup(multi);
    pm3k__http_finish(h, code, &resp);
}

static pm3k__http_ctx ctx;

/* One request on a new handle against the canned answer. */
static void perform(const pm3k__http_request *req, const char *answer)
{
    pm3k_error err = {0};
    canned_answers(answer, NULL);
    pm3k__http_request at_server = *req;
    at_server.url = canned_url(req->url);
    CURL *h = pm3k__http_handle_new(&ctx, &err);
    assert_non_null(h);
    assert_int_equal(pm3k__http_prepare(h, &ctx, &at_server, &resp, &err), PM3K_OK);
    drive(h);
    curl_easy_cleanup(h);
}

typedef struct trace_log {
    char text[16384];
    size_t len;
    int lines[PM3K__HTTP_TRACE_RESPONSE_BODY + 1];
} trace_log;

static void on_trace(void *userdata, pm3k__http_trace_kind kind, const char *line)
{
    static const char marks[] = "*><}{";
    trace_log *log = userdata;
    log->lines[kind]++;
    log->len += (size_t)snprintf(log->text + log->len, sizeof log->text - log->len, "%c %s\n",
                                 marks[kind], line);
    assert_true(log->len < sizeof log->text);
}

/* The PM3K API client's request: POST JSON with a bearer key, a bounded
 * JSON answer; the trace shows the exchange but never the key. */
static void post_json(void **state)
{
    static const char body[] = "{\"title\":\"t\"}";
    const char *headers[] = {"Authorization: Bearer sk_test_9f8e7d",
                             "Content-Type: application/json"};
    const char *secrets[] = {"sk_test_9f8e7d"};
    static trace_log log;
    memset(&log, 0, sizeof log);
    pm3k__http_request req = {
        .method = PM3K__HTTP_POST,
        .url = "/v1/posts?api_key=sk_test_9f8e7d",
        .headers = headers,
        .header_count = 2,
        .body = {.data = body, .len = sizeof body - 1},
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = 1024},
        .trace = on_trace,
        .trace_userdata = &log,
        .secrets = secrets,
        .secret_count = 1,
    };
    perform(&req, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                  "Content-Length: 11\r\n\r\n{\"id\":\"p1\"}");
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(resp.status, 201);
    assert_string_equal(resp.body, "{\"id\":\"p1\"}");
    assert_false(resp.body_truncated);
    const char *sent = server.sent;
    assert_non_null(strstr(sent, "POST /v1/posts?api_key=sk_test_9f8e7d HTTP/1.1\r\n"));
    assert_non_null(strstr(sent, "\r\nAuthorization: Bearer sk_test_9f8e7d\r\n"));
    assert_non_null(strstr(sent, "\r\nContent-Length: 13\r\n"));
    assert_non_null(strstr(sent, "\r\n\r\n{\"title\":\"t\"}"));

    assert_null(strstr(log.text, "sk_test"));
    assert_non_null(strstr(log.text, "> POST /v1/posts?api_key=REDACTED HTTP/1.1\n"));
    assert_non_null(strstr(log.text, "> Authorization: REDACTED\n"));
    assert_non_null(strstr(log.text, "< HTTP/1.1 201 Created\n"));
    assert_non_null(strstr(log.text, "} 13 bytes\n"));
    assert_non_null(strstr(log.text, "{ 11 bytes\n"));
    assert_true(log.lines[PM3K__HTTP_TRACE_INFO] > 0);
    pm3k__http_response_reset(&resp);
}

/* A memory sink keeps at most its cap and stops the transfer on purpose:
 * the answer still counts, cut. */
static void bounded_answer(void **state)
{
    pm3k__http_request req = {
        .url = "/big.json",
        .sink = {.kind = PM3K__HTTP_SINK_MEMORY, .cap = 10},
    };
    perform(&req, "HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz");
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(resp.body_len, 10);
    assert_string_equal(resp.body, "abcdefghij");
    assert_true(resp.body_truncated);
    assert_true(resp.aborted);
    assert_non_null(strstr(server.sent, "GET /big.json HTTP/1.1\r\n"));
    pm3k__http_response_reset(&resp);
    assert_null(resp.body);
}

typedef struct upload {
    size_t size, sent;
    int rewinds;
    int64_t progress_up;
} upload;

static size_t read_upload(void *userdata, char *buf, size_t len)
{
    upload *u = userdata;
    size_t n = u->size - u->sent < len ? u->size - u->sent : len;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (u->sent + i) % 26);
    u->sent += n;
    return n;
}

static bool rewind_upload(void *userdata)
{
    upload *u = userdata;
    u->sent = 0;
    u->rewinds++;
    return true;
}

static bool on_progress(void *userdata, const pm3k__http_progress *progress)
{
    upload *u = userdata;
    if (progress->upload_now > u->progress_up)
        u->progress_up = progress->upload_now;
    return true;
}

/* The streaming upload: PUT from a read callback with Content-Length,
 * progress, and the S3 signature from userpwd; the trace shows neither the
 * key id nor the secret. */
static void put_streamed(void **state)
{
    const char *headers[] = {"x-amz-content-sha256: UNSIGNED-PAYLOAD"};
    static upload u;
    static trace_log log;
    memset(&log, 0, sizeof log);
    u = (upload){.size = 70000};
    pm3k__http_request req = {
        .method = PM3K__HTTP_PUT,
        .url = "/media-bucket/videos/a.mp4",
        .headers = headers,
        .header_count = 1,
        .body = {.read = read_upload, .rewind = rewind_upload, .userdata = &u, .size = 70000},
        .userpwd = "AKIDEXAMPLE:wJalrXUtnFEMI",
        .aws_sigv4 = "aws:amz:us-east-1:s3",
        .progress = on_progress,
        .progress_userdata = &u,
        .trace = on_trace,
        .trace_userdata = &log,
    };
    perform(&req, "HTTP/1.1 200 OK\r\nETag: \"x\"\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(resp.status, 200);
    assert_int_equal(u.sent, 70000);
    assert_int_equal(u.progress_up, 70000);
    const char *sent = server.sent;
    assert_non_null(strstr(sent, "PUT /media-bucket/videos/a.mp4 HTTP/1.1\r\n"));
    assert_non_null(strstr(sent, "\r\nContent-Length: 70000\r\n"));
    assert_non_null(strstr(sent, "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    assert_non_null(strstr(sent, "\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n"));
    assert_null(strstr(sent, "Transfer-Encoding"));
    const char *payload = strstr(sent, "\r\n\r\n");
    assert_non_null(payload);
    assert_int_equal(strlen(payload + 4), 70000);
    assert_int_equal(memcmp(payload + 4, "abcdefghijklmnopqrstuvwxyz", 26), 0);
    assert_null(strstr(log.text, "AKIDEXAMPLE"));
    assert_null(strstr(log.text, "wJalrXUtnFEMI"));
    assert_non_null(strstr(log.text, "> Authorization: REDACTED\n"));
    pm3k__http_response_reset(&resp);
}

/* What one request asked does not carry over to the next on the handle. */
static void handle_reuse(void **state)
{
    pm3k_error err = {0};
    const char *headers[] = {"Authorization: Bearer k"};
    canned_answers("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                   "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-99/1000\r\n"
                   "Content-Length: 0\r\n\r\n");
    pm3k__http_request put = {.method = PM3K__HTTP_PUT,
                              .url = canned_url("/a"),
                              .headers = headers,
                              .header_count = 1,
                              .body = {.data = "xyz", .len = 3}};
    pm3k__http_request get = {.url = canned_url("/b"), .range = "0-99"};
    CURL *h = pm3k__http_handle_new(&ctx, &err);
    assert_non_null(h);
    assert_int_equal(pm3k__http_prepare(h, &ctx, &put, &resp, &err), PM3K_OK);
    drive(h);
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(pm3k__http_prepare(h, &ctx, &get, &resp, &err), PM3K_OK);
    drive(h);
    assert_int_equal(resp.status, 206);
    curl_easy_cleanup(h);
    const char *second = strstr(server.sent, "GET /b HTTP/1.1\r\n");
    assert_non_null(strstr(server.sent, "PUT /a HTTP/1.1\r\n"));
    assert_non_null(second);
    assert_non_null(strstr(second, "\r\nRange: bytes=0-99\r\n"));
    assert_null(strstr(second, "Authorization"));
    assert_null(strstr(second, "Content-Length"));
    pm3k__http_response_reset(&resp);
}

static size_t refuse_unless_206(void *userdata, const pm3k__http_response *r, const char *data,
                                size_t len)
{
    (void)userdata;
    (void)data;
    return r->status == 206 ? len : 0;
}

static bool stop_now(void *userdata, const pm3k__http_progress *progress)
{
    (void)userdata;
    (void)progress;
    return false;
}

/* Stops on purpose: after the headers, by a write callback that refuses
 * (the status then decides), by the progress callback (transient). */
static void stops(void **state)
{
    static const char page[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!";
    pm3k__http_request head_only = {.url = "/x", .abort_after_headers = true};
    perform(&head_only, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    assert_int_equal(resp.result.code, CURLE_WRITE_ERROR);
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(resp.body_bytes, 0); /* not a byte of the body */

    pm3k__http_request ranged = {
        .url = "/x",
        .range = "0-4",
        .sink = {.kind = PM3K__HTTP_SINK_CALLBACK, .write = refuse_unless_206},
    };
    perform(&ranged, page);
    assert_true(resp.aborted);
    assert_int_equal(resp.result.verdict, PM3K__HTTP_DEFINITE);
    assert_string_equal(resp.result.reason, "the server answered 404 Not Found");

    pm3k__http_request stopped = {.url = "/x", .progress = stop_now};
    perform(&stopped, page);
    assert_true(resp.result.stopped);
    assert_int_equal(resp.result.code, CURLE_ABORTED_BY_CALLBACK);
    assert_int_equal(resp.result.verdict, PM3K__HTTP_TRANSIENT);
    pm3k__http_response_reset(&resp);
}

/* A redirect is reported as libcurl resolves its Location, redacted. */
static void redirect_location(void **state)
{
    char location[128];
    pm3k__http_request req = {.method = PM3K__HTTP_HEAD, .url = "/r"};
    perform(&req, "HTTP/1.1 302 Found\r\nLocation: /next?sig=abc\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(resp.result.verdict, PM3K__HTTP_REDIRECT);
    assert_true(pm3k__http_location(&resp, location, sizeof location));
    char want[128];
    snprintf(want, sizeof want, "http://127.0.0.1:%d/next?sig=REDACTED", server.port);
    assert_string_equal(location, want);
    assert_non_null(strstr(server.sent, "HEAD /r HTTP/1.1\r\n"));
    pm3k__http_response_reset(&resp);
    assert_false(pm3k__http_location(&resp, location, sizeof location));
    assert_string_equal(location, "");
}

/* DELETE has no body; only POST and PUT may carry one. */
static void delete_without_body(void **state)
{
    pm3k_error err = {0};
    pm3k__http_request req = {.method = PM3K__HTTP_DELETE, .url = "/v1/p/1"};
    perform(&req, "HTTP/1.1 204 No Content\r\n\r\n");
    assert_int_equal(resp.result.verdict, PM3K__HTTP_OK);
    assert_int_equal(resp.status, 204);
    assert_non_null(strstr(server.sent, "DELETE /v1/p/1 HTTP/1.1\r\n"));
    pm3k__http_response_reset(&resp);

    req.body.data = "x";
    req.body.len = 1;
    CURL *h = pm3k__http_handle_new(&ctx, &err);
    assert_non_null(h);
    assert_int_equal(pm3k__http_prepare(h, &ctx, &req, &resp, &err), PM3K_ERR_INTERNAL);
    curl_easy_cleanup(h);
}

/* The run's error when the CA certificates cannot be used. */
static void config_error(void **state)
{
    pm3k_error err = {0};
    pm3k_http_options with = {.cacert = "/etc/ca.pem"}, without = {0};
    assert_int_equal(pm3k__http_config_error(&with, "bad PEM", &err), PM3K_ERR_INVALID_ARG);
    assert_string_equal(err.message, "--cacert '/etc/ca.pem' cannot be used: bad PEM");
    pm3k__http_config_error(&without, "bad PEM", &err);
    assert_string_equal(err.message, "the system's CA certificates cannot be used: bad PEM");
    assert_true(pm3k__http_certificate_failed(CURLE_PEER_FAILED_VERIFICATION));
    assert_false(pm3k__http_certificate_failed(CURLE_SSL_CONNECT_ERROR));
}

static int setup(void **state)
{
    pm3k_error err = {0};
    pm3k_http_options opt = {.timeout_ms = 10000};
    if (pm3k_global_init(NULL) != PM3K_OK)
        return -1;
    return pm3k__http_ctx_init(&ctx, &opt, &err) == PM3K_OK ? 0 : -1;
}

static int teardown(void **state)
{
    pm3k__http_ctx_free(&ctx);
    pm3k__http_response_reset(&resp);
    canned_close();
    pm3k_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_length),
        cmocka_unit_test(parse_content_range),
        cmocka_unit_test(header_capture),
        cmocka_unit_test(content_length),
        cmocka_unit_test(late_headers),
        cmocka_unit_test(classify),
        cmocka_unit_test(classify_tls),
        cmocka_unit_test(classify_headers_too_large),
        cmocka_unit_test(options_check),
        cmocka_unit_test(cacert_check),
        cmocka_unit_test(post_json),
        cmocka_unit_test(bounded_answer),
        cmocka_unit_test(put_streamed),
        cmocka_unit_test(handle_reuse),
        cmocka_unit_test(stops),
        cmocka_unit_test(redirect_location),
        cmocka_unit_test(delete_without_body),
        cmocka_unit_test(config_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
