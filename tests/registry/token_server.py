#!/usr/bin/env python3
"""token_server.py PORT KEY CERT SERVICE ISSUER LOG [EXPIRES_IN]

A docker/distribution token server for the tests: signs RS256 JWTs (with
openssl, whose certificate goes in the x5c header) granting the scopes asked
for. Basic credentials tok:secret get every action asked; anonymous callers
get only "pull"; other credentials get 401. Each request is appended to LOG.
"""
import base64, json, os, subprocess, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

port, key, cert, service, issuer, logf = sys.argv[1:7]
expires_in = int(sys.argv[7]) if len(sys.argv) > 7 else 300
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], capture_output=True, check=True).stdout
x5c = base64.b64encode(der).decode()

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def sign(claims):
    head = b64u(json.dumps({"typ": "JWT", "alg": "RS256", "x5c": [x5c]}).encode())
    body = b64u(json.dumps(claims).encode())
    msg = (head + "." + body).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=msg, capture_output=True,
                         check=True).stdout
    return head + "." + body + "." + b64u(sig)

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        who = "anon"
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, pw) != ("tok", "secret"):
                with open(logf, "a") as f:
                    f.write("token who=bad scopes=%s\n" % q.get("scope", []))
                self.send_response(401)
                self.end_headers()
                return
            who = user
        access = []
        for s in q.get("scope", []):
            parts = s.split(":")
            if len(parts) != 3:
                continue
            acts = parts[2].split(",")
            if who == "anon":
                acts = [a for a in acts if a == "pull"]
            access.append({"type": parts[0], "name": parts[1], "actions": acts})
        now = int(time.time())
        tok = sign({"iss": issuer, "sub": who, "aud": service, "exp": now + expires_in, "nbf": now - 10,
                    "iat": now, "jti": os.urandom(8).hex(), "access": access})
        with open(logf, "a") as f:
            f.write("token who=%s service=%s scopes=%s\n" % (who, q.get("service", [""])[0], q.get("scope", [])))
        body = json.dumps({"access_token": tok, "expires_in": expires_in}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", int(port)), H).serve_forever()
