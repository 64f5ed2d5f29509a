#!/usr/bin/python3
"""Hostile servers for the URL tests, on 127.0.0.1, a port chosen by the
kernel (written to --port-file once listening). Every wait is bounded.

  hostile.py counter --port-file F --count-file C
      accepts TCP connections, counts them (C holds the count), closes them.
  hostile.py reset --port-file F --count-file C
      accepts, reads the start of the TLS handshake, then resets the
      connection (RST): a handshake that fails half-way.
  hostile.py https --port-file F --count-file C --cert PEM --key KEY --root DIR
      HTTP/1.1 over TLS (keep-alive), GET and HEAD:
      /late/ok.mp4        200 fillers, then Content-Length: 1000 (fine)
      /late/conflict.mp4  Content-Length: 1000, 200 fillers, Content-Length: 2000
      /late/chunked.mp4   Content-Length: 1000, 200 fillers, Transfer-Encoding: chunked
      /late/big.mp4       200 fillers, then Content-Length: 150000000
      /files/NAME         ROOT/NAME with Range, ETag, Last-Modified, If-Range
      /changing/NAME      as /files, but from the second ranged GET on the
                          bytes (and ETag, Last-Modified) are another version;
                          ?ifrange=0 ignores If-Range (answers 206 anyway)
      /stall              no answer (until the client goes, at most 60 s)
"""
import argparse
import email.utils
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse

FILLERS = 200
lock = threading.Lock()
state = {"connections": 0, "ranged": {}}
args = None


def count_connection():
    with lock:
        state["connections"] += 1
        n = state["connections"]
    tmp = args.count_file + ".tmp"
    with lock:
        with open(tmp, "w") as f:
            f.write("%d\n" % n)
        os.replace(tmp, args.count_file)


class Counter(socketserver.BaseRequestHandler):
    def handle(self):
        count_connection()


class Reset(socketserver.BaseRequestHandler):
    def handle(self):
        count_connection()
        self.request.settimeout(5)
        try:
            self.request.recv(512)
        except OSError:
            pass
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.request.close()


def fillers():
    return "".join("X-Filler-%d: %d\r\n" % (i, i) for i in range(FILLERS))


def late_head(name):
    start = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
    if name == "ok.mp4":
        return start + fillers() + "Content-Length: 1000\r\n", 1000, False
    if name == "conflict.mp4":
        return start + "Content-Length: 1000\r\n" + fillers() + "Content-Length: 2000\r\n", 1000, False
    if name == "chunked.mp4":
        return (start + "Content-Length: 1000\r\n" + fillers() + "Transfer-Encoding: chunked\r\n",
                1000, True)
    if name == "big.mp4":
        return start + fillers() + "Content-Length: 150000000\r\n", 0, False
    return None, 0, False


class Https(socketserver.BaseRequestHandler):
    def handle(self):
        count_connection()
        self.request.settimeout(60)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        try:
            self.conn = ctx.wrap_socket(self.request, server_side=True)
            self.reader = self.conn.makefile("rb")
            for _ in range(10000):
                if not self.one_request():
                    break
        except (OSError, ssl.SSLError):
            pass

    def send(self, data):
        self.conn.sendall(data if isinstance(data, bytes) else data.encode())

    def one_request(self):
        line = self.reader.readline(8192)
        if not line:
            return False
        parts = line.decode("latin-1").split()
        if len(parts) < 2:
            return False
        method, target = parts[0], parts[1]
        headers = {}
        for _ in range(200):
            h = self.reader.readline(8192).decode("latin-1")
            if h in ("\r\n", "\n", ""):
                break
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        url = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        if path == "/stall":
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    self.conn.settimeout(1)
                    if not self.conn.recv(1):
                        return False
                except socket.timeout:
                    continue
                except OSError:
                    return False
            return False
        if path.startswith("/late/"):
            return self.late(method, path[6:])
        if path.startswith("/files/"):
            return self.serve_file(method, path[7:], headers, None, query)
        if path.startswith("/changing/"):
            return self.serve_file(method, path[10:], headers, target, query)
        self.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return True

    def late(self, method, name):
        head, body_len, chunked = late_head(name)
        if head is None:
            self.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return True
        self.send(head + "\r\n")
        if method == "HEAD":
            return True
        if chunked:
            self.send(b"%x\r\n" % body_len + b"\0" * body_len + b"\r\n0\r\n\r\n")
            return True
        self.send(b"\0" * body_len)
        return False  # a length that lies: the connection ends here

    def serve_file(self, method, name, headers, changing_key, query):
        full = os.path.join(args.root, os.path.basename(name))
        try:
            size = os.stat(full).st_size
            mtime = int(os.stat(full).st_mtime)
        except OSError:
            self.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return True
        version = 0
        rng = headers.get("range")
        if changing_key is not None and method == "GET" and rng:
            with lock:
                seen = state["ranged"].get(changing_key, 0)
                state["ranged"][changing_key] = seen + 1
            version = 1 if seen >= 1 else 0
        etag = '"v%d-%d"' % (version, size)
        modified = email.utils.formatdate(mtime + version * 3600, usegmt=True)
        honour_if_range = query.get("ifrange", ["1"])[0] != "0"
        if_range = headers.get("if-range")
        if rng and if_range and honour_if_range and if_range not in (etag, modified):
            rng = None  # the validator changed: the whole file, 200
        status, first, last, extra = "200 OK", 0, size - 1, ""
        if rng and rng.startswith("bytes="):
            first_s, _, last_s = rng[6:].partition("-")
            first = int(first_s)
            last = min(int(last_s) if last_s else size - 1, size - 1)
            status = "206 Partial Content"
            extra = "Content-Range: bytes %d-%d/%d\r\n" % (first, last, size)
        head = ("HTTP/1.1 %s\r\nContent-Type: video/mp4\r\nAccept-Ranges: bytes\r\n"
                "ETag: %s\r\nLast-Modified: %s\r\n%sContent-Length: %d\r\n\r\n"
                % (status, etag, modified, extra, last - first + 1))
        self.send(head)
        if method == "HEAD":
            return True
        with open(full, "rb") as f:
            f.seek(first)
            left = last - first + 1
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    return False
                if version:
                    chunk = bytes(b ^ 0x55 for b in chunk)
                self.send(chunk)
                left -= len(chunk)
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["counter", "reset", "https"])
    p.add_argument("--port-file", required=True)
    p.add_argument("--count-file", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--root", default=".")
    p.add_argument("--lifetime", type=float, default=600)
    args = p.parse_args()
    handler = {"counter": Counter, "reset": Reset, "https": Https}[args.mode]
    server = Server(("127.0.0.1", 0), handler)
    with open(args.count_file, "w") as f:
        f.write("0\n")
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    # Never outlive a test that forgot to stop it.
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
