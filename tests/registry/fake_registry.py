#!/usr/bin/env python3
"""fake_registry.py PORT LAYOUT LOG [--user U:P] [--redirect] [--fail N] [--stall]
                   [--tls CERT KEY --plain-cdn PORT2]

A small registry serving the models of an OCI layout directory, for the
cases a real registry cannot be made to show:
  --user U:P   Basic auth required on /v2/ (answers 401 with a challenge)
  --redirect   blob GETs answer 307 to http://localhost:PORT/cdn/<digest>,
               another origin than 127.0.0.1:PORT; the CDN logs whether an
               Authorization header arrived
  --fail N     the first N blob GETs answer 503 with Retry-After: 1
  --stall      the first blob GET sends half of the blob, then goes silent
  --bad-dcd    manifests come with a wrong Docker-Content-Digest
  --bad-ctype  manifests come with a Content-Type that is not their mediaType
  --tls CERT KEY --plain-cdn PORT2
               serve the registry over TLS and redirect blob GETs to
               http://127.0.0.1:PORT2/cdn/<digest>: same host, downgraded scheme
Every request is logged to LOG as "METHOD PATH auth=yes|no range=..."."""
import base64, hashlib, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, layout, logf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
args = sys.argv[4:]
user = args[args.index("--user") + 1] if "--user" in args else None
redirect = "--redirect" in args
fail = [int(args[args.index("--fail") + 1]) if "--fail" in args else 0]
stall = ["--stall" in args]
bad_dcd = "--bad-dcd" in args
bad_ctype = "--bad-ctype" in args
tls = (args[args.index("--tls") + 1], args[args.index("--tls") + 2]) if "--tls" in args else None
plain_cdn = int(args[args.index("--plain-cdn") + 1]) if "--plain-cdn" in args else 0
lock = threading.Lock()

def blob_path(d):
    return os.path.join(layout, "blobs", "sha256", d.split(":", 1)[1])

def find_manifest(ref):
    if ref.startswith("sha256:"):
        return ref if os.path.exists(blob_path(ref)) else None
    with open(os.path.join(layout, "index.json")) as f:
        for m in json.load(f)["manifests"]:
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref:
                return m["digest"]
    return None

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def log(self):
        with lock, open(logf, "a") as f:
            f.write("%.2f %s %s auth=%s range=%s ua=%s\n" % (time.time() % 1000, self.command, self.path,
                    "yes" if self.headers.get("Authorization") else "no", self.headers.get("Range", "-"),
                    self.headers.get("User-Agent", "-")))

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorized(self):
        if not user:
            return True
        want = "Basic " + base64.b64encode(user.encode()).decode()
        if self.headers.get("Authorization") == want:
            return True
        self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                   {"WWW-Authenticate": 'Basic realm="fake"', "Content-Type": "application/json"})
        return False

    def send_blob(self, d):
        p = blob_path(d)
        if not os.path.exists(p):
            return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}')
        data = open(p, "rb").read()
        start, code, hdrs = 0, 200, {"Docker-Content-Digest": d}
        r = self.headers.get("Range")
        if r and r.startswith("bytes="):
            a, _, b = r[6:].partition("-")
            start, end = int(a), int(b) if b else len(data) - 1
            code = 206
            hdrs["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
            data = data[start:end + 1]
        with lock:
            do_stall = stall[0] and len(data) > 1000
            if do_stall:
                stall[0] = False
        if do_stall:
            self.send_response(code)
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(20)
            return
        self.reply(code, data, hdrs)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.log()
        path = self.path
        if path.startswith("/cdn/"):
            return self.send_blob(path[5:])
        if not path.startswith("/v2/"):
            return self.reply(404)
        if not self.authorized():
            return
        if path == "/v2/":
            return self.reply(200, b"{}")
        name, kind, ref = None, None, None
        for k in ("/manifests/", "/blobs/"):
            if k in path:
                name, ref = path[4:].split(k, 1)
                kind = k.strip("/")
        if kind == "manifests":
            d = find_manifest(ref)
            if not d:
                return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
            data = open(blob_path(d), "rb").read()
            mt = json.loads(data).get("mediaType", "application/vnd.oci.image.manifest.v1+json")
            if bad_ctype:
                mt = "application/vnd.docker.distribution.manifest.v2+json"
            if bad_dcd:
                d = "sha256:" + "0" * 64
            return self.reply(200, data, {"Content-Type": mt, "Docker-Content-Digest": d})
        if kind == "blobs":
            with lock:
                failing = fail[0] > 0
                if failing:
                    fail[0] -= 1
            if failing:
                return self.reply(503, b"busy", {"Retry-After": "1"})
            if plain_cdn:
                return self.reply(307, b"", {"Location": "http://127.0.0.1:%d/cdn/%s" % (plain_cdn, ref)})
            if redirect:
                return self.reply(307, b"", {"Location": "http://localhost:%d/cdn/%s" % (port, ref)})
            return self.send_blob(ref)
        self.reply(404)

if plain_cdn:
    threading.Thread(target=ThreadingHTTPServer(("127.0.0.1", plain_cdn), H).serve_forever, daemon=True).start()
srv = ThreadingHTTPServer(("127.0.0.1", port), H)
if tls:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls[0], tls[1])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
