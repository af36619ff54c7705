#!/usr/bin/env python3
"""http_proxy.py PORT LOG: a forwarding HTTP proxy (absolute-URI requests,
no CONNECT) that logs "METHOD URL" for each request, to show that pulls
honour http_proxy/NO_PROXY as curl reads them."""
import http.client, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, logf = int(sys.argv[1]), sys.argv[2]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def forward(self):
        u = urllib.parse.urlsplit(self.path)
        if not u.hostname:  # not a proxy request (the harness's readiness probe)
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(logf, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        body = None
        n = int(self.headers.get("Content-Length", "0") or 0)
        if n:
            body = self.rfile.read(n)
        c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        c.request(self.command, u.path + ("?" + u.query if u.query else ""), body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        c.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = forward

ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
