#!/usr/bin/env python3
"""An unreliable endpoint in front of moto, for the tests of what the tool does when AWS
misbehaves (issue 11 item 9).

    python tests/moto/chaos.py --upstream 127.0.0.1:PORT --mode throttle --rate 0.25

Listens on 127.0.0.1 only (a free port), prints ``CHAOS_PORT=<port>`` once listening,
and stops when its stdin reaches end of file. Modes:

* ``throttle``: a ``--rate`` share of requests (seeded, so runs repeat) get the answer
  AWS gives a caller over its rate, in the protocol of the service signed for: HTTP 400
  ``ThrottlingException`` (JSON services), HTTP 400 ``Throttling`` (query services:
  CloudFormation, Elastic Load Balancing), HTTP 503 ``RequestLimitExceeded`` (EC2),
  HTTP 503 ``SlowDown`` (S3, its REST-XML error document).
  The rest go to moto unchanged.
* ``hang``: accepts the connection, reads the request and never answers.
* ``html500``: answers HTTP 500 with an HTML page, as a proxy or load balancer in the
  way would.

At exit it prints ``CHAOS_STATS=<forwarded> <throttled>`` to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from launch import watch_stdin

HOST = "127.0.0.1"
JSON_THROTTLE = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
QUERY_THROTTLE = (b'<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>'
                  b'<Message>Rate exceeded</Message></Error><RequestId>chaos</RequestId>'
                  b'</ErrorResponse>')
EC2_THROTTLE = (b'<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
                b'<Message>Request limit exceeded.</Message></Error></Errors>'
                b'<RequestID>chaos</RequestID></Response>')
S3_THROTTLE = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
               b'<Message>Please reduce your request rate.</Message>'
               b'<RequestId>chaos</RequestId></Error>')
HTML_500 = (b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n"
            b"<body><center><h1>500 Internal Server Error</h1></center></body>\r\n</html>\r\n")
QUERY_SERVICES = {"cloudformation", "elasticloadbalancing"}


def signed_service(authorization: str) -> str:
    """The service of a SigV4 credential scope: ``Credential=key/date/region/SERVICE/...``."""
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", authorization)
    return match.group(1) if match else ""


class Stats:
    def __init__(self, rate: float, seed: int) -> None:
        self.lock = threading.Lock()
        self.random = random.Random(seed)
        self.rate = rate
        self.forwarded = 0
        self.throttled = 0

    def throttle(self) -> bool:
        with self.lock:
            hit = self.random.random() < self.rate
            if hit:
                self.throttled += 1
            else:
                self.forwarded += 1
            return hit


def handler(mode: str, upstream: str, stats: Stats, stop: threading.Event) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if mode == "hang":
                stop.wait()
                self.close_connection = True
                return
            if mode == "html500":
                self._answer(500, "text/html", HTML_500)
                return
            if stats.throttle():
                service = signed_service(self.headers.get("Authorization", ""))
                if service == "ec2":
                    self._answer(503, "text/xml", EC2_THROTTLE)
                elif service == "s3":
                    self._answer(503, "application/xml", S3_THROTTLE)
                elif service in QUERY_SERVICES:
                    self._answer(400, "text/xml", QUERY_THROTTLE)
                else:
                    self._answer(400, "application/x-amz-json-1.1", JSON_THROTTLE)
                return
            host, port = upstream.rsplit(":", 1)
            connection = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("connection", "transfer-encoding")}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                           "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                connection.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="moto's HOST:PORT (loopback)")
    parser.add_argument("--mode", choices=["throttle", "hang", "html500"], required=True)
    parser.add_argument("--rate", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not args.upstream.startswith(("127.0.0.1:", "localhost:")):
        parser.error("--upstream must be a loopback HOST:PORT")

    stop = threading.Event()
    stats = Stats(args.rate, args.seed)
    server = ThreadingHTTPServer((HOST, 0), handler(args.mode, args.upstream, stats, stop))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="chaos", daemon=True).start()
    print(f"CHAOS_PORT={server.server_address[1]}", flush=True)
    watch_stdin(stop)
    stop.wait()
    server.shutdown()
    print(f"CHAOS_STATS={stats.forwarded} {stats.throttled}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
