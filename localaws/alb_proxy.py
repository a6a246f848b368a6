"""The HTTP side of a load balancer: one ThreadingHTTPServer per load balancer port or
listener port, whose handler reads the live listener and rules from moto, evaluates them
(``alb_rules.py``) and answers the way ALB does: a fixed response, a redirect, or the
request proxied to a target the data plane (``alb.py``) picks, with ALB's own error pages
(502, 503, 504), X-Forwarded-* headers and stickiness cookies."""

from __future__ import annotations

import http.client
import http.cookies
import secrets
import socket
import ssl
import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .alb_rules import (TERMINAL_ACTIONS, Request, condition_matches, priority_key, snapshot,
                        sorted_actions)
from .alb_tls import TlsUnavailable, listener_context

if TYPE_CHECKING:
    from .alb import AlbDataPlane

__all__ = ["LbServer", "STICKY_DEFAULT_S", "close_server", "refusal", "sticky_seconds"]

# Duration-based stickiness: AWS's default duration ("1 day").
STICKY_DEFAULT_S = 86400

# RFC 9110 hop-by-hop headers (never forwarded either way), plus Expect: the 100-continue
# is answered here and the body is sent to the target whole.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    }
)


def _alb_html(code: int) -> bytes:
    # The page ALB itself sends with the errors it generates (nginx-style).
    title = f"{code} {_ALB_REASONS.get(code, HTTPStatus(code).phrase)}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()


# ALB's own reason phrases (nginx's), e.g. "Gateway Time-out", not http.HTTPStatus's.
_ALB_REASONS = {
    400: "Bad Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


class LbServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, plane: AlbDataPlane, account_id: str, region: str, lb_arn: str,
                 listener_arn: str | None = None, listen: bool = True):
        self.plane = plane
        self.account_id = account_id
        self.region = region
        self.lb_arn = lb_arn
        # None: the load balancer's own port, serving whichever listener has the lowest port.
        self.listener_arn = listener_arn
        self.open_conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        # Why connections are refused now (an HTTPS listener without a usable
        # certificate), so that it is said once, not per connection.
        self.refusing: str | None = None
        # listen=False: the port is taken (bound) but refuses connections until
        # server_activate() (a load balancer still provisioning: pace_elb.py).
        super().__init__(("127.0.0.1", 0), _Handler, bind_and_activate=False)
        try:
            self.server_bind()
            if listen:
                self.server_activate()
        except BaseException:
            self.server_close()
            raise

    def listener(self) -> Any:
        """The listener this server serves, read live from moto (None if gone)."""
        listeners = self.plane.listeners(self)
        if self.listener_arn is None:
            return min(listeners, key=lambda li: int(li.port or 0), default=None)
        return next((li for li in listeners if li.arn == self.listener_arn), None)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept; on an HTTPS listener, wrap the connection in TLS with the listener's
        certificate as it is now (the handshake runs in the connection's own thread)."""
        conn, addr = self.socket.accept()
        listener = None
        try:
            listener = self.listener()
            ctx = listener_context(self.account_id, self.region, listener) if listener else None
        except TlsUnavailable as exc:
            conn.close()
            reason = refusal(listener, str(exc))
            if reason != self.refusing:
                self.refusing = reason
                self.plane.warn(reason)
            raise OSError(reason) from exc  # socketserver drops the request
        except Exception as exc:  # moto state we do not understand: this connection only
            conn.close()
            self.plane.log(f"alb: accepting from {addr}: {type(exc).__name__}: {exc}")
            raise OSError(str(exc)) from exc
        self.refusing = None
        if ctx is None:
            return conn, addr
        return ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print a traceback to stderr; a client that hung up, or that
        # did not speak TLS (or trust the certificate) to an HTTPS listener, is normal.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            self.plane.log(f"alb: error serving {client_address}: {type(exc).__name__}: {exc}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with clients; every response has a length
    server: LbServer
    timeout = 60  # ALB's default idle timeout for client connections
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients
    # wait out a delayed ACK (~40 ms) per response.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.server.conns_lock:
            self.server.open_conns.add(self.connection)

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # errors: handle_error, quietly
        super().handle()

    def finish(self) -> None:
        with self.server.conns_lock:
            self.server.open_conns.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # per-request lines go through AlbDataPlane's log when verbose

    def __getattr__(self, name: str) -> Any:
        # Any method token (GET, PATCH, custom ones for http-request-method rules).
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    # -- request side

    def _target(self) -> str:
        """The request target as sent: parse_request collapses a leading '//', ALB does not."""
        words = self.requestline.split()
        raw = words[1] if len(words) >= 2 else self.path
        if raw.startswith(("http://", "https://")):  # absolute-form: keep path and query
            rest = raw.split("://", 1)[1]
            raw = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return raw

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers: dropped
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # -- response side

    def _reply(
        self, code: int, headers: list[tuple[str, str]], body: bytes, *, alb: bool, reason: str | None = None
    ) -> None:
        self.send_response_only(code, _ALB_REASONS.get(code) if alb else reason)
        names = {k.lower() for k, _ in headers}
        if alb or "server" not in names:
            self.send_header("Server", "awselb/2.0")
        if "date" not in names:
            self.send_header("Date", formatdate(usegmt=True))
        for k, v in headers:
            if not (alb and k.lower() == "server"):
                self.send_header(k, v)
        no_body = self.command == "HEAD" or code in (204, 304) or code < 200
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        elif self.command == "HEAD" and "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not no_body:
            self.wfile.write(body)

    def _alb_error(self, code: int, extra: list[tuple[str, str]] | None = None) -> int:
        self._reply(code, [("Content-Type", "text/html"), *(extra or [])], _alb_html(code), alb=True)
        return code

    # -- the request

    def _serve(self) -> None:
        started = time.monotonic()
        plane = self.server.plane
        # Who answered, for the metrics: set by _act/_forward as the request goes.
        self.answered_by, self.group_arn, self.target_seconds = "elb", None, 0.0
        try:
            body = self._read_body()
        except (ValueError, OSError):  # malformed chunked framing or a client gone mid-body
            self.close_connection = True
            plane.metric(self.server, None, self._alb_error(400), "elb", 0.0)
            return
        outcome = "-"
        try:
            code, outcome = self._route(body)
        except (BrokenPipeError, ConnectionResetError):  # the client left; nobody to answer
            self.close_connection = True
            return
        except Exception as exc:  # a bug or moto state we do not understand: say so, keep serving
            plane.log(f"alb: {self.command} {self._target()}: {type(exc).__name__}: {exc}")
            code = self._alb_error(500)
            self.answered_by = "elb"
        plane.metric(self.server, self.group_arn, code, self.answered_by, self.target_seconds)
        if plane.verbose:
            ms = (time.monotonic() - started) * 1000
            plane.log(f"{self.command} {self._target()} -> {outcome} {code} {ms:.0f}ms")

    def _route(self, body: bytes) -> tuple[int, str]:
        """Answer the request; returns (status, what answered) for the log line."""
        srv = self.server
        backend = srv.plane.backend(srv.account_id, srv.region)
        listener = srv.listener()
        if listener is None:
            return self._alb_error(503), "no-listener"
        req = Request(self.command, self._target(), self.headers, self.client_address[0])
        for rule in sorted(snapshot(lambda: listener.rules), key=priority_key):
            if all(condition_matches(c, req) for c in list(rule.conditions or [])):
                return self._act(sorted_actions(list(rule.actions or [])), req, body, backend)
        return self._alb_error(503), "no-rule"

    def _act(
        self, actions: list[dict[str, Any]], req: Request, body: bytes, backend: Any
    ) -> tuple[int, str]:
        # authenticate-* actions come first in Order; there is no IdP here, so they pass.
        action = next((a for a in actions if a.get("Type") in TERMINAL_ACTIONS), None)
        if action is None:
            return self._alb_error(503), "no-action"
        kind = action["Type"]
        if kind == "fixed-response":
            cfg = action.get("FixedResponseConfig") or {}
            code = int(cfg.get("StatusCode") or 200)
            ctype = cfg.get("ContentType") or "text/plain; charset=utf-8"
            self._reply(code, [("Content-Type", ctype)], (cfg.get("MessageBody") or "").encode(), alb=False)
            self.answered_by = "fixed-response"
            return code, "fixed-response"
        if kind == "redirect":
            cfg = action.get("RedirectConfig") or {}
            location = self._redirect_location(cfg, req)
            code = 302 if cfg.get("StatusCode") == "HTTP_302" else 301
            self._reply(code, [("Location", location)], b"", alb=False)
            self.answered_by = "redirect"
            return code, f"redirect {location}"
        tg_arn = self.server.plane.pick_group(action)
        if tg_arn is None:
            return self._alb_error(503), "forward(no weight)"
        return self._forward(tg_arn, body, backend)

    def _redirect_location(self, cfg: dict[str, Any], req: Request) -> str:
        # The local port stands in for the listener port: that is where the client came in.
        local_port = str(self.server.server_address[1])
        subs = {
            "#{protocol}": self._scheme(),
            "#{host}": req.host or "127.0.0.1",
            "#{port}": local_port,
            "#{path}": req.path[1:] if req.path.startswith("/") else req.path,  # only the one "/"
            "#{query}": req.query,
        }

        def fill(template: str) -> str:
            for k, v in subs.items():
                template = template.replace(k, v)
            return template

        proto = fill(cfg.get("Protocol") or "#{protocol}").lower()
        host = fill(cfg.get("Host") or "#{host}")
        port = fill(cfg.get("Port") or "#{port}")
        if (cfg.get("Host") or "#{host}") == "#{host}" and port.isdigit():
            # Another listener of this load balancer (80 -> 443): where it is served here.
            port = str(self.server.plane.served_port(self.server, int(port)) or port)
        path = fill(cfg.get("Path") or "/#{path}")
        query = fill(cfg.get("Query") if cfg.get("Query") is not None else "#{query}")
        default_port = {"http": "80", "https": "443"}.get(proto)
        netloc = host if port == default_port else f"{host}:{port}"
        return f"{proto}://{netloc}{path}" + (f"?{query}" if query else "")

    def _forward(self, tg_arn: str, body: bytes, backend: Any) -> tuple[int, str]:
        plane = self.server.plane
        tg = backend.target_groups.get(tg_arn)
        tg_name = tg.name if tg is not None else tg_arn.split("/")[-2]
        tg_header = [("x-mysfits-target-group", tg_name)]
        plane.count(tg_arn, "requests")
        self.group_arn = tg_arn
        sticky = sticky_seconds(tg)
        wanted = plane.sticky_target(tg_arn, self._cookie("AWSALB")) if sticky else None
        target = plane.pick_target(tg_arn, prefer=wanted)
        if target is None:
            plane.count(tg_arn, "elb_5xx")
            return self._alb_error(503, tg_header), f"{tg_name} (no targets)"
        host, port = target
        where = f"{tg_name} {host}:{port}"
        conn = http.client.HTTPConnection(host, port, timeout=plane.target_timeout)
        sent = time.monotonic()
        try:
            conn.putrequest(self.command, self._target(), skip_host=True, skip_accept_encoding=True)
            for k, v in self._upstream_headers():
                conn.putheader(k, v)
            if body or self.command in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            resp_body = resp.read()
            code, reason, resp_headers = resp.status, resp.reason, resp.getheaders()
        except TimeoutError:
            plane.count(tg_arn, "elb_5xx")
            return self._alb_error(504, tg_header), where
        except (OSError, http.client.HTTPException):
            # refused, reset, or not speaking HTTP
            plane.count(tg_arn, "elb_5xx")
            return self._alb_error(502, tg_header), where
        finally:
            conn.close()
        plane.count(tg_arn, f"{code // 100}xx")
        # TargetResponseTime: request sent to the target until its whole answer is in.
        self.answered_by, self.target_seconds = "target", time.monotonic() - sent
        # The body is re-framed with our own Content-Length (HEAD: the target's stands).
        keep = [
            (k, v)
            for k, v in resp_headers
            if k.lower() not in _HOP_BY_HOP and (k.lower() != "content-length" or self.command == "HEAD")
        ]
        if sticky:
            keep += plane.sticky_cookies(tg_arn, target, sticky)
        self._reply(code, keep + tg_header, resp_body, alb=False, reason=reason or None)
        return code, where

    def _scheme(self) -> str:
        return "https" if isinstance(self.connection, ssl.SSLSocket) else "http"

    def _cookie(self, name: str) -> str | None:
        jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        for header in self.headers.get_all("Cookie") or []:
            try:
                jar.load(header)
            except http.cookies.CookieError:
                continue
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None

    def _upstream_headers(self) -> list[tuple[str, str]]:
        named_hop = {t.strip().lower() for v in self.headers.get_all("Connection") or [] for t in v.split(",")}
        # X-Forwarded-* are rewritten below (For: appended to, as ALB's default "append" mode).
        drop = _HOP_BY_HOP | named_hop | {"content-length", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"}
        out = [(k, v) for k, v in self.headers.items() if k.lower() not in drop]
        xff = self.headers.get_all("X-Forwarded-For") or []
        out.append(("X-Forwarded-For", ", ".join([*xff, self.client_address[0]])))
        out.append(("X-Forwarded-Proto", self._scheme()))
        out.append(("X-Forwarded-Port", str(self.server.server_address[1])))
        if not self.headers.get("X-Amzn-Trace-Id"):
            out.append(("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"))
        return out


def sticky_seconds(tg: Any) -> int:
    """The duration of a target group's duration-based stickiness (lb_cookie), 0 if off."""
    attrs = getattr(tg, "attributes", None) or {}
    if str(attrs.get("stickiness.enabled", "false")).lower() != "true":
        return 0
    if attrs.get("stickiness.type", "lb_cookie") != "lb_cookie":
        return 0  # app_cookie (and the NLB types) are not implemented
    return int(attrs.get("stickiness.lb_cookie.duration_seconds") or STICKY_DEFAULT_S)


def refusal(listener: Any, why: str) -> str:
    """The one line said when an HTTPS listener is not served."""
    return (f"alb: the HTTPS listener on port {listener.port} ({listener.arn}) is not served: "
            f"{why} (on AWS the call that led here is refused: an HTTPS listener's certificate "
            "must exist, with its key, as long as the listener uses it)")


def close_server(server: LbServer, thread: threading.Thread) -> None:
    """Close the listening socket and the open client connections (idle keep-alive
    clients would otherwise hold a thread each)."""
    server.shutdown()
    server.server_close()
    with server.conns_lock:
        conns = list(server.open_conns)
    for conn in conns:
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    thread.join(timeout=5)
