#!/usr/bin/python3
"""A loopback HTTPS proxy in front of the S3 server that fails part uploads.

usage: s3_fault_proxy.py CERT KEY UPSTREAM_URL UPSTREAM_CA PORT_FILE LOG MODE

Every request is forwarded as it came (method, path and query, headers,
Host included, so the SigV4 signature still holds) to UPSTREAM_URL, except
PUTs of part number 2 of a multipart upload: MODE "always" answers each of
them 500, MODE "once" only the first. LOG gets one line per request:
"METHOD PATH STATUS". The port (0: the kernel's choice) is written to
PORT_FILE once it listens. SIGTERM stops it. Bounded: bodies of at most
64 MiB, 30 s per upstream request.
"""
import http.client
import http.server
import signal
import ssl
import sys
import threading
import urllib.parse

MAX_BODY = 64 << 20


def main():
    cert, key, upstream, upstream_ca, port_file, log_path, mode = sys.argv[1:8]
    up = urllib.parse.urlsplit(upstream)
    up_ctx = ssl.create_default_context(cafile=upstream_ca)
    lock = threading.Lock()
    state = {"failed": 0}
    log = open(log_path, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, headers, body):
            self.send_response_only(status)
            for name, value in headers:
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            log.write("%s %s %d\n" % (self.command, self.path, status))

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.answer(413, [], b"too large")
                return
            body = self.rfile.read(length) if length else b""
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            if self.command == "PUT" and query.get("partNumber") == ["2"]:
                with lock:
                    fail = mode == "always" or state["failed"] == 0
                    state["failed"] += 1
                if fail:
                    self.answer(500, [("Content-Type", "application/xml")],
                                b"<Error><Code>InternalError</Code></Error>")
                    return
            conn = http.client.HTTPSConnection(up.hostname, up.port, context=up_ctx, timeout=30)
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in ("expect", "connection"):
                    conn.putheader(name, value)
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            self.answer(resp.status, resp.getheaders(), data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    with open(port_file, "w") as f:
        f.write("%d\n" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
