#!/usr/bin/env python3
"""A tiny stand-in for {{vendor}}'s API, written by `interop new`: replace it with your real
test system when you have one. Standard library only; all data is synthetic.

    python3 standin/standin.py [--listen 127.0.0.1:8700] [--token demo-token]

It prints `listening on http://HOST:PORT` once ready. The API:

    GET  /api/status                       {"system", "version", "people"}
    GET  /api/people?q=&limit=&offset=     {"total", "offset", "items": [person]}
    GET  /api/people/{id}                  person, or 404 {"error"}
    POST /api/people  {surname, forename?, dob?}  201 {"id"}; a replay with the same
         Idempotency-Key header answers 200 with the same id
    every call needs  Authorization: Bearer <token>, else 401 {"error"}

A person: {"id": "P-000001", "surname", "forename", "dob": "YYYY-MM-DD", "updated": RFC 3339}.
"""

import argparse
import json
import re
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

SYSTEM = "{{system}} test system"
VERSION = "1.0.0"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.people = []
        self.replays = {}
        for surname, forename, dob in [
            ("Examplewood", "Alex", "1988-03-14"),
            ("Testington", "Sam", "1990-07-02"),
            ("Sampleby", "Jo", "1975-11-30"),
            ("Examplewood", "Robin", "1992-01-21"),
        ]:
            self.add(surname, forename, dob)

    def add(self, surname, forename, dob):
        person = {
            "id": "P-%06d" % (len(self.people) + 1),
            "surname": surname,
            "forename": forename,
            "dob": dob,
            "updated": now(),
        }
        self.people.append(person)
        return person


class Handler(BaseHTTPRequestHandler):
    store = None
    token = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("standin: " + (fmt % args) + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        """The request body, sent with a Content-Length or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def authorised(self):
        if self.headers.get("Authorization") == "Bearer " + self.token:
            return True
        self.answer(401, {"error": "missing or wrong bearer token"})
        return False

    def do_GET(self):
        if not self.authorised():
            return
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        with self.store.lock:
            people = list(self.store.people)
        if url.path == "/api/status":
            return self.answer(200, {"system": SYSTEM, "version": VERSION, "people": len(people)})
        if url.path == "/api/people":
            try:
                limit = int(query.get("limit", ["20"])[0])
                offset = int(query.get("offset", ["0"])[0])
            except ValueError:
                return self.answer(400, {"error": "limit and offset are numbers"})
            if not 1 <= limit <= 100 or offset < 0:
                return self.answer(400, {"error": "limit must be 1..100 and offset 0 or more"})
            q = query.get("q", [""])[0].strip().lower()
            found = [
                p for p in people
                if not q or q in p["surname"].lower() or q in (p["forename"] or "").lower()
            ]
            return self.answer(
                200, {"total": len(found), "offset": offset, "items": found[offset:offset + limit]}
            )
        if url.path.startswith("/api/people/"):
            wanted = unquote(url.path[len("/api/people/"):])
            for p in people:
                if p["id"] == wanted:
                    return self.answer(200, p)
            return self.answer(404, {"error": "person %s not found" % wanted})
        self.answer(404, {"error": "no route " + url.path})

    def do_POST(self):
        if not self.authorised():
            return
        if urlsplit(self.path).path != "/api/people":
            return self.answer(404, {"error": "no route " + self.path})
        try:
            body = json.loads(self.body() or b"{}")
        except ValueError:
            return self.answer(400, {"error": "the body is not JSON"})
        surname = (body.get("surname") or "").strip()
        dob = body.get("dob")
        if not surname:
            return self.answer(400, {"error": "surname is required"})
        if dob is not None and not DATE.match(dob):
            return self.answer(400, {"error": "dob is YYYY-MM-DD"})
        key = self.headers.get("Idempotency-Key")
        with self.store.lock:
            if key and key in self.store.replays:
                return self.answer(200, {"id": self.store.replays[key]})
            person = self.store.add(surname, body.get("forename"), dob)
            if key:
                self.store.replays[key] = person["id"]
        self.answer(201, {"id": person["id"]})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8700", help="HOST:PORT (port 0: any)")
    parser.add_argument("--token", default="demo-token", help="the bearer token it accepts")
    args = parser.parse_args()
    host, _, port = args.listen.rpartition(":")
    Handler.store = Store()
    Handler.token = args.token
    server = ThreadingHTTPServer((host, int(port)), Handler)
    print("listening on http://%s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
