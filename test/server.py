#!/usr/bin/python3
"""Loopback test server for the exclusions integration tests (stdlib only).

Usage: server.py --port-file FILE [--tls CERT KEY] [--delay SECONDS] [--root DIR]

Binds 127.0.0.1 on a free port, writes the port number to FILE (atomically:
temporary name, then rename), and serves until killed.  Every request line is
logged to stderr as

    request: GET /status/500 HTTP/1.1

when it is received (before any --delay), and every response status as

    response: GET /status/500 500

so that a test can count how often a path was asked for.

Routes:
  /data/<name>          the file <name> from --root (default ../../shared/data
                        relative to this script), with Content-Length
  /status/<code>        that status, short text body
  /stall                200, Content-Length 1000, a few bytes, then nothing
                        for 600 s
  /stall-headers        reads the request, never answers
  /truncated            Content-Length 100000, 1000 bytes of JSON-looking
                        text, then the connection is closed
  /invalid              200 with a body that is not valid JSON
  /big                  200 MB of '[' with Content-Length
  /big-chunked          the same 200 MB, Transfer-Encoding: chunked
  /redirect?to=PATH     302 to PATH on this server
  /api/v3/...           reserved for fake GitHub API routes (see API_ROUTES);
                        404 with GitHub's JSON error body until some are added

--tls CERT KEY serves HTTPS (the listening socket is wrapped by an
ssl.SSLContext; the handshake runs in the connection's own thread, so a
client that never completes it cannot block the others).
"""

import argparse
import http.server
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

BIG_SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
STALL_SECONDS = 600

# Errors that just mean "the client went away"; never worth a traceback.
QUIET_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                socket.timeout, ssl.SSLError, ssl.SSLEOFError)

_log_lock = threading.Lock()


def log(msg):
    with _log_lock:
        try:
            sys.stderr.write(msg + "\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def truncated_prefix(size=1000):
    """`size` bytes of the start of a plausible disabled-tests list."""
    parts = ["{"]
    i = 0
    while sum(len(p) for p in parts) < size:
        sep = "" if i == 0 else ", "
        parts.append('%s"test_case_%d (__main__.TestTruncated)": '
                     '["%d", "https://github.com/pytorch/pytorch/issues/%d", '
                     '["linux"]]' % (sep, i, 100000 + i, 100000 + i))
        i += 1
    return "".join(parts).encode()[:size]


INVALID_BODY = (b'{"test_ok (__main__.TestInvalid)": ["1", '
                b'"https://github.com/pytorch/pytorch/issues/1", ["linux"]], '
                b'"test_bad (__main__.TestInvalid)": ["2", '
                b'"https://github.com/pytorch/pytorch/issues/2", ["linux"}\n')

# Fake GitHub API routes, for a later task: a list of (compiled regex matched
# against the path after /api/v3, function(handler, match, query)).  The
# function answers with handler.send_body / handler.send_json.
API_ROUTES = []


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "exclusions-test-server/1.0"
    sys_version = ""

    # -- plumbing ---------------------------------------------------------

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # Handshake here, in this connection's thread.
            self.connection.do_handshake()

    def handle(self):
        try:
            super().handle()
        except QUIET_ERRORS:
            self.close_connection = True

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        log("server: " + (format % args))

    def log_request(self, code="-", size="-"):
        if isinstance(code, http.HTTPStatus):
            code = code.value
        log("response: %s %s %s" % (self.command, self.path, code))

    def send_body(self, code, body, ctype="text/plain", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, code, text, headers=None):
        self.send_body(code, text, "application/json; charset=utf-8", headers)

    def base_url(self):
        scheme = "https" if self.server.tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self.server.server_address[1])

    # -- dispatch ---------------------------------------------------------

    def do_GET(self):
        log("request: %s" % self.requestline)
        if self.server.delay > 0:
            time.sleep(self.server.delay)
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = urllib.parse.parse_qs(url.query)
        if path.startswith("/data/"):
            return self.r_data(path[len("/data/"):])
        if path.startswith("/status/"):
            return self.r_status(path[len("/status/"):])
        if path.startswith("/api/v3/") or path == "/api/v3":
            return self.r_api(path[len("/api/v3"):], query)
        fn = {
            "/stall": self.r_stall,
            "/stall-headers": self.r_stall_headers,
            "/truncated": self.r_truncated,
            "/invalid": self.r_invalid,
            "/big": self.r_big,
            "/big-chunked": self.r_big_chunked,
            "/redirect": self.r_redirect,
        }.get(path)
        if fn is None:
            return self.send_body(404, "not found: %s\n" % path)
        return fn(query)

    do_HEAD = do_GET

    def do_POST(self):
        # Drain any body so that the connection stays usable, then route.
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        return self.do_GET()

    # -- routes -----------------------------------------------------------

    def r_data(self, name):
        name = urllib.parse.unquote(name)
        if not name or "/" in name or name in (".", ".."):
            return self.send_body(404, "bad name\n")
        try:
            with open(os.path.join(self.server.root, name), "rb") as f:
                body = f.read()
        except OSError as e:
            return self.send_body(404, "cannot read %s: %s\n" % (name, e.strerror))
        ctype = "application/json" if name.endswith(".json") else "text/plain"
        return self.send_body(200, body, ctype)

    def r_status(self, code):
        try:
            n = int(code)
            if not 100 <= n <= 599:
                raise ValueError
        except ValueError:
            return self.send_body(400, "bad status code\n")
        if n < 200 or n in (204, 304):
            self.send_response(n)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self.send_body(n, "status %d\n" % n)

    def r_stall(self, _query):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"test_stall')
        self.wfile.flush()
        time.sleep(STALL_SECONDS)
        self.close_connection = True

    def r_stall_headers(self, _query):
        time.sleep(STALL_SECONDS)
        self.close_connection = True

    def r_truncated(self, _query):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(truncated_prefix(1000))
        self.wfile.flush()
        self.close_connection = True

    def r_invalid(self, _query):
        return self.send_json(200, INVALID_BODY)

    def _stream_big(self, chunked):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(BIG_SIZE))
        self.end_headers()
        self.close_connection = True
        if self.command == "HEAD":
            return
        block = b"[" * CHUNK
        try:
            for _ in range(BIG_SIZE // CHUNK):
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
                else:
                    self.wfile.write(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except QUIET_ERRORS:
            pass

    def r_big(self, _query):
        return self._stream_big(False)

    def r_big_chunked(self, _query):
        return self._stream_big(True)

    def r_redirect(self, query):
        to = (query.get("to") or ["/"])[0]
        if not to.startswith("/"):
            to = "/" + to
        return self.send_body(302, "redirect to %s\n" % to,
                              headers={"Location": self.base_url() + to})

    def r_api(self, subpath, query):
        for rx, fn in API_ROUTES:
            m = rx.fullmatch(subpath)
            if m:
                return fn(self, m, query)
        return self.send_json(404, '{"message":"Not Found",'
                              '"documentation_url":"https://docs.github.com/rest"}')


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, QUIET_ERRORS):
            return
        log("server: error on connection from %s: %r" % (client_address, exc))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--root", default=os.path.join(here, "..", "..", "shared", "data"))
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    srv = Server(("127.0.0.1", 0), Handler)
    srv.delay = args.delay
    srv.root = os.path.abspath(args.root)
    srv.tls = bool(args.tls)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)

    port = srv.server_address[1]
    tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, args.port_file)
    log("server: listening on %s://127.0.0.1:%d, root %s"
        % ("https" if args.tls else "http", port, srv.root))
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
