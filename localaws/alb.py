"""HTTP data plane for moto's Application Load Balancers.

moto keeps ELBv2 state (load balancers, listeners, rules, target groups) but serves no
traffic. `AlbDataPlane` puts ThreadingHTTPServers on 127.0.0.1: one per load balancer
(the port of its DNS name, serving its listener with the lowest port) and one per
listener (`listen`), and, for every request, reads the live listener and rules from
moto's backend, evaluates them
the way ALB does and proxies to a target that a `TargetDirectory` maps to a local
address. Nothing is cached, so rules, listeners and targets changed through the API take
effect on the next request. With an `AlbMetrics` (metrics.py), every answer is also
counted into moto's CloudWatch, and the target groups' host counts are sampled.

moto 5.2.5 storage this relies on (moto/elbv2/models.py):
- `backend.load_balancers[lb_arn].listeners` : {listener_arn: FakeListener}; `.port` int.
- `FakeListener.rules` : property returning a fresh OrderedDict of the non-default rules
  (`FakeListenerRule`, in insertion order, not priority order) followed by the default
  rule (`FakeRule`, `is_default=True`, `priority == "default"`, no conditions).
- rule `.priority` : int from the API, possibly str (CloudFormation); `.conditions` : the
  request's dicts as sent (`Field`, `Values`, `PathPatternConfig`, `HostHeaderConfig`,
  `HttpHeaderConfig`, `HttpRequestMethodConfig`, `QueryStringConfig`, `SourceIpConfig`).
- rule `.actions` : [FakeAction]; `.data` is the request's dict (`Type`, `Order`,
  `TargetGroupArn`, `ForwardConfig.TargetGroups[{TargetGroupArn, Weight}]` with Weight
  defaulted to 1, `FixedResponseConfig`, `RedirectConfig`).
- `backend.target_groups[tg_arn].name`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import http.cookies
import ipaddress
import json
import random
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

if TYPE_CHECKING:  # test_alb.py imports this file as a top-level module
    from .metrics import AlbMetrics

__all__ = ["AlbDataPlane", "TargetDirectory", "apply", "condition_matches", "wildcard_match"]

# The tag the engine puts on every listener: the 127.0.0.1 port that serves it.
PORT_TAG = "localaws:port"
# ALB's default when no target answers in time (the lab leaves idle timeout alone).
TARGET_TIMEOUT_S = 30.0
# Duration-based stickiness: AWS's default duration, and the cookie's own expiry ("7 days,
# which is non-configurable"); the stickiness duration travels inside the cookie.
STICKY_DEFAULT_S = 86400
STICKY_COOKIE_S = 7 * 86400
# How often HealthyHostCount / UnHealthyHostCount are sampled (AWS: once a minute).
HOST_SAMPLE_S = 5.0

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

_FAIL_OPEN_STATES = ("initial", "unhealthy")
_TERMINAL_ACTIONS = ("forward", "fixed-response", "redirect")


class TargetDirectory(Protocol):
    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        """(host, port, state) for each registered target, where host:port is where the
        target really listens on this machine (always 127.0.0.1) and state is one of
        'initial', 'healthy', 'unhealthy', 'draining', 'unused'."""
        ...


# ---------------------------------------------------------------- matching


def _tokens(pattern: str, escapes: bool, decode: bool = False) -> list[str]:
    """Split a wildcard pattern into '*', '?' and one-character literals ('\\*' style
    escapes become literals when `escapes`; ALB documents them for query strings).
    With `decode`, %HH sequences stand for the characters they encode, always as
    literals: a rule's "a%2Ab" is "a*b" spelled out, never a wildcard."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escapes and ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append("\\" + pattern[i + 1])  # two chars: cannot equal a wildcard token
            i += 2
            continue
        run = _PERCENT_RUN.match(pattern, i) if decode and ch == "%" else None
        if run is not None:
            out += [("\\" + c) if c in "*?" else c for c in unquote(run.group())]
            i = run.end()
            continue
        out.append(ch)
        i += 1
    return out


_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def wildcard_match(pattern: str, text: str, *, ignore_case: bool = False, escapes: bool = False,
                   decode: bool = False) -> bool:
    """Whole-string match; `*` is any run (including '/'), `?` exactly one character.
    Two-pointer glob (only the last '*' needs retrying), so no exponential backtracking."""
    toks = _tokens(pattern, escapes, decode)
    if ignore_case:
        toks, text = [tok.lower() for tok in toks], text.lower()
    p = t = 0
    star: tuple[int, int] | None = None
    while t < len(text):
        tok = toks[p] if p < len(toks) else None
        if tok == "*":
            star = (p, t)
            p += 1
        elif tok is not None and (tok == "?" or tok[-1] == text[t]):
            p += 1
            t += 1
        elif star is not None:
            star = (star[0], star[1] + 1)
            p, t = star[0] + 1, star[1]
        else:
            return False
    return all(tok == "*" for tok in toks[p:])


class _Request:
    """What rule conditions look at, parsed once per request."""

    def __init__(self, method: str, target: str, headers: http.client.HTTPMessage, client_ip: str):
        self.method = method
        self.path, _, self.query = target.partition("?")
        self.headers = headers
        self.client_ip = client_ip
        self.host = _strip_port(_field_value(headers.get("Host") or ""))

    def query_pairs(self) -> list[tuple[str | None, str]]:
        # Key None for a bare value ("?foo"), which ALB matches only by value.
        pairs: list[tuple[str | None, str]] = []
        for part in self.query.split("&"):
            if not part:
                continue
            if "=" in part:
                k, v = part.split("=", 1)
                pairs.append((unquote(k), unquote(v)))
            else:
                pairs.append((None, unquote(part)))
        return pairs


def _field_value(raw: str) -> str:
    # RFC 7230 §3.2.4: whitespace around a field value is not part of it ("Host: a.com ").
    return raw.strip(" \t")


def _strip_port(host: str) -> str:
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def _values(cond: dict[str, Any], config_key: str) -> list[Any]:
    cfg = cond.get(config_key) or {}
    return list(cfg.get("Values") or cond.get("Values") or [])


def condition_matches(cond: dict[str, Any], req: _Request) -> bool:
    """One rule condition; its values are OR'ed. Unknown fields never match."""
    field = cond.get("Field")
    if field == "path-pattern":
        return any(wildcard_match(v, req.path) for v in _values(cond, "PathPatternConfig"))
    if field == "host-header":
        return any(wildcard_match(v, req.host, ignore_case=True) for v in _values(cond, "HostHeaderConfig"))
    if field == "http-request-method":
        return req.method in _values(cond, "HttpRequestMethodConfig")
    if field == "http-header":
        cfg = cond.get("HttpHeaderConfig") or {}
        name = cfg.get("HttpHeaderName")
        if not name:
            return False
        got = [_field_value(h) for h in req.headers.get_all(name) or []]
        return any(wildcard_match(v, h, ignore_case=True) for v in cfg.get("Values") or [] for h in got)
    if field == "query-string":
        pairs = req.query_pairs()
        # The request's key and value are percent-decoded; the rule's own %HH stand for
        # literal characters (a literal '*' or '?' is written '\*', '\?').
        glob = {"ignore_case": True, "escapes": True, "decode": True}
        for kv in (cond.get("QueryStringConfig") or {}).get("Values") or []:
            want_key, want_val = kv.get("Key"), kv.get("Value", "")
            for key, val in pairs:
                key_ok = want_key is None or (key is not None and wildcard_match(want_key, key, **glob))
                if key_ok and wildcard_match(want_val, val, **glob):
                    return True
        return False
    if field == "source-ip":
        try:
            ip = ipaddress.ip_address(req.client_ip)
            return any(ip in ipaddress.ip_network(v, strict=False) for v in _values(cond, "SourceIpConfig"))
        except ValueError:
            return False
    return False


def _priority_key(rule: Any) -> tuple[int, int]:
    if getattr(rule, "is_default", False) or rule.priority == "default":
        return (2, 0)
    try:
        return (0, int(rule.priority))
    except (TypeError, ValueError):
        return (1, 0)  # unparseable priority: after every numbered rule, before default


def _snapshot(get: Callable[[], dict[Any, Any]]) -> list[Any]:
    # moto mutates these dicts from API threads; retry the rare "changed size during
    # iteration" (listener.rules itself iterates a live dict, hence the callable).
    for _ in range(5):
        try:
            return list(get().values())
        except RuntimeError:
            continue
    return list(get().values())


def _sorted_actions(actions: list[Any]) -> list[dict[str, Any]]:
    datas = [a.data if hasattr(a, "data") else a for a in actions]
    return sorted(datas, key=lambda d: int(d.get("Order") or 50001))


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


# ---------------------------------------------------------------- serving


class _LbServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, plane: AlbDataPlane, account_id: str, region: str, lb_arn: str,
                 listener_arn: str | None = None):
        self.plane = plane
        self.account_id = account_id
        self.region = region
        self.lb_arn = lb_arn
        # None: the load balancer's own port, serving whichever listener has the lowest port.
        self.listener_arn = listener_arn
        self.open_conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver would print a traceback to stderr; a client that hung up is normal.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            self.plane._log(f"alb: error serving {client_address}: {type(exc).__name__}: {exc}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with clients; every response has a length
    server: _LbServer
    timeout = 60  # ALB's default idle timeout for client connections
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients
    # wait out a delayed ACK (~40 ms) per response.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.server.conns_lock:
            self.server.open_conns.add(self.connection)

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
            plane._metric(self.server, None, self._alb_error(400), "elb", 0.0)
            return
        outcome = "-"
        try:
            code, outcome = self._route(body)
        except (BrokenPipeError, ConnectionResetError):  # the client left; nobody to answer
            self.close_connection = True
            return
        except Exception as exc:  # a bug or moto state we do not understand: say so, keep serving
            plane._log(f"alb: {self.command} {self._target()}: {type(exc).__name__}: {exc}")
            code = self._alb_error(500)
            self.answered_by = "elb"
        plane._metric(self.server, self.group_arn, code, self.answered_by, self.target_seconds)
        if plane.verbose:
            ms = (time.monotonic() - started) * 1000
            plane._log(f"{self.command} {self._target()} -> {outcome} {code} {ms:.0f}ms")

    def _route(self, body: bytes) -> tuple[int, str]:
        """Answer the request; returns (status, what answered) for the log line."""
        srv = self.server
        backend = srv.plane._backend(srv.account_id, srv.region)
        lb = backend.load_balancers.get(srv.lb_arn)
        listeners = _snapshot(lambda: lb.listeners) if lb is not None else []
        if srv.listener_arn is None:
            listener = min(listeners, key=lambda li: int(li.port or 0), default=None)
        else:
            listener = next((li for li in listeners if li.arn == srv.listener_arn), None)
        if listener is None:
            return self._alb_error(503), "no-listener"
        req = _Request(self.command, self._target(), self.headers, self.client_address[0])
        for rule in sorted(_snapshot(lambda: listener.rules), key=_priority_key):
            if all(condition_matches(c, req) for c in list(rule.conditions or [])):
                return self._act(_sorted_actions(list(rule.actions or [])), req, body, backend)
        return self._alb_error(503), "no-rule"

    def _act(
        self, actions: list[dict[str, Any]], req: _Request, body: bytes, backend: Any
    ) -> tuple[int, str]:
        # authenticate-* actions come first in Order; there is no IdP here, so they pass.
        action = next((a for a in actions if a.get("Type") in _TERMINAL_ACTIONS), None)
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
        tg_arn = self.server.plane._pick_group(action)
        if tg_arn is None:
            return self._alb_error(503), "forward(no weight)"
        return self._forward(tg_arn, body, backend)

    def _redirect_location(self, cfg: dict[str, Any], req: _Request) -> str:
        # The local port stands in for the listener port: that is where the client came in.
        local_port = str(self.server.server_address[1])
        subs = {
            "#{protocol}": "http",
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
            port = str(self.server.plane._served_port(self.server, int(port)) or port)
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
        plane._count(tg_arn, "requests")
        self.group_arn = tg_arn
        sticky = _sticky_seconds(tg)
        wanted = plane._sticky_target(tg_arn, self._cookie("AWSALB")) if sticky else None
        target = plane._pick_target(tg_arn, prefer=wanted)
        if target is None:
            plane._count(tg_arn, "elb_5xx")
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
            plane._count(tg_arn, "elb_5xx")
            return self._alb_error(504, tg_header), where
        except (OSError, http.client.HTTPException):
            # refused, reset, or not speaking HTTP
            plane._count(tg_arn, "elb_5xx")
            return self._alb_error(502, tg_header), where
        finally:
            conn.close()
        plane._count(tg_arn, f"{code // 100}xx")
        # TargetResponseTime: request sent to the target until its whole answer is in.
        self.answered_by, self.target_seconds = "target", time.monotonic() - sent
        # The body is re-framed with our own Content-Length (HEAD: the target's stands).
        keep = [
            (k, v)
            for k, v in resp_headers
            if k.lower() not in _HOP_BY_HOP and (k.lower() != "content-length" or self.command == "HEAD")
        ]
        if sticky:
            keep += plane._sticky_cookies(tg_arn, target, sticky)
        self._reply(code, keep + tg_header, resp_body, alb=False, reason=reason or None)
        return code, where

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
        out.append(("X-Forwarded-Proto", "http"))
        out.append(("X-Forwarded-Port", str(self.server.server_address[1])))
        if not self.headers.get("X-Amzn-Trace-Id"):
            out.append(("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"))
        return out


# ---------------------------------------------------------------- public


class AlbDataPlane:
    """One 127.0.0.1 HTTP server per moto load balancer, routing by its live rules."""

    def __init__(
        self,
        targets: TargetDirectory,
        log: Callable[[str], None] = lambda m: None,
        verbose: bool = False,
        target_timeout: float = TARGET_TIMEOUT_S,
        metrics: AlbMetrics | None = None,
        host_sample_s: float = HOST_SAMPLE_S,
    ):
        self.targets = targets
        self.metrics = metrics
        self.host_sample_s = host_sample_s
        self._sampler: threading.Thread | None = None
        self._sampling = threading.Event()
        self.verbose = verbose
        self.target_timeout = target_timeout
        self._log = log
        self._lock = threading.Lock()
        self._servers: dict[str, tuple[_LbServer, threading.Thread]] = {}
        self._listeners: dict[str, tuple[_LbServer, threading.Thread]] = {}
        self._stats: dict[str, dict[str, int]] = {}
        self._rr: dict[str, int] = {}
        # Signs the AWSALB cookies of this engine run (AWS encrypts them with a rotating key).
        self._cookie_key = secrets.token_bytes(32)

    @staticmethod
    def _backend(account_id: str, region: str) -> Any:
        from moto.elbv2.models import elbv2_backends

        return elbv2_backends[account_id][region]

    def start(self, account_id: str, region: str, lb_arn: str) -> int:
        """Start serving the load balancer on 127.0.0.1 on a free port (the port of its DNS
        name; it serves the LB's listener with the lowest port, looked up at request
        time, so a listener created after start() is used). Returns the port.
        Idempotent per lb_arn. Raises LookupError for a load balancer moto does not have."""
        with self._lock:
            if lb_arn in self._servers:
                return self._servers[lb_arn][0].server_address[1]
            if lb_arn not in self._backend(account_id, region).load_balancers:
                raise LookupError(f"no load balancer {lb_arn} in {account_id}/{region}")
            self._servers[lb_arn] = self._serve(_LbServer(self, account_id, region, lb_arn))
            if self.metrics is not None and self._sampler is None:
                self._sampler = threading.Thread(target=self._sample_loop, name="alb:hosts", daemon=True)
                self._sampler.start()
            return self._servers[lb_arn][0].server_address[1]

    def listen(self, account_id: str, region: str, lb_arn: str, listener_arn: str) -> int:
        """Serve one listener of a served load balancer on a free port of its own (every
        listener is reachable, side by side, whatever its port). Returns the port.
        Idempotent per listener_arn; stopped by unlisten() or with its load balancer."""
        self.start(account_id, region, lb_arn)
        with self._lock:
            if listener_arn not in self._listeners:
                server = _LbServer(self, account_id, region, lb_arn, listener_arn)
                self._listeners[listener_arn] = self._serve(server)
            return self._listeners[listener_arn][0].server_address[1]

    def unlisten(self, listener_arn: str) -> None:
        with self._lock:
            entry = self._listeners.pop(listener_arn, None)
        if entry is not None:
            _close(*entry)

    def port(self, lb_arn: str) -> int | None:
        with self._lock:
            entry = self._servers.get(lb_arn)
            return entry[0].server_address[1] if entry else None

    def listener_port(self, listener_arn: str) -> int | None:
        with self._lock:
            entry = self._listeners.get(listener_arn)
            return entry[0].server_address[1] if entry else None

    def stop(self, lb_arn: str) -> None:
        """Stop serving lb_arn and its listeners: close the listening sockets and open
        client connections."""
        with self._lock:
            entry = self._servers.pop(lb_arn, None)
            own = [arn for arn, (srv, _) in self._listeners.items() if srv.lb_arn == lb_arn]
            entries = [self._listeners.pop(arn) for arn in own]
        for server, thread in ([entry] if entry else []) + entries:
            _close(server, thread)

    def _serve(self, server: _LbServer) -> tuple[_LbServer, threading.Thread]:
        name = server.lb_arn.split("/")[-2] + (f":{server.listener_arn[-6:]}" if server.listener_arn else "")
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name=f"alb:{name}", daemon=True)
        thread.start()
        return server, thread

    def _served_port(self, server: _LbServer, listener_port: int) -> int | None:
        """The local port serving this load balancer's listener on ``listener_port``."""
        lb = self._backend(server.account_id, server.region).load_balancers.get(server.lb_arn)
        listeners = _snapshot(lambda: lb.listeners) if lb is not None else []
        for listener in listeners:
            if int(listener.port or 0) == listener_port:
                lowest = min(listeners, key=lambda li: int(li.port or 0))
                front = self.port(server.lb_arn) if listener is lowest else None
                return self.listener_port(listener.arn) or front
        return None

    def stop_all(self) -> None:
        self._sampling.set()
        with self._lock:
            arns = list(self._servers)
        for arn in arns:
            self.stop(arn)

    def sample_hosts(self) -> None:
        """HealthyHostCount / UnHealthyHostCount of every target group a served load
        balancer forwards to (by its listeners' live rules), into the metrics."""
        if self.metrics is None:
            return
        with self._lock:
            served = [(s.account_id, s.region, arn) for arn, (s, _) in self._servers.items()]
        for account_id, region, lb_arn in served:
            lb = self._backend(account_id, region).load_balancers.get(lb_arn)
            if lb is None:
                continue
            groups: dict[str, None] = {}
            for listener in _snapshot(lambda: lb.listeners):
                for rule in _snapshot(lambda: listener.rules):
                    for action in _sorted_actions(list(rule.actions or [])):
                        for tg_arn in _forwarded_groups(action):
                            groups[tg_arn] = None
            for tg_arn in groups:
                states = [e[2] for e in self.targets.endpoints(tg_arn)]
                self.metrics.hosts(account_id, region, lb_arn, tg_arn,
                                   states.count("healthy"), states.count("unhealthy"))

    def stats(self, target_group_arn: str) -> dict[str, int]:
        """Counts for requests forwarded to the group: requests, 2xx/3xx/4xx/5xx as the
        targets answered, elb_5xx for the 502/503/504 the load balancer generated."""
        with self._lock:
            return dict(self._stats.get(target_group_arn) or _zero_stats())

    # -- helpers used by the handler threads

    def _sample_loop(self) -> None:
        while not self._sampling.wait(self.host_sample_s):
            try:
                self.sample_hosts()
            except Exception as exc:  # moto state changing under us: next sample
                self._log(f"alb: host counts: {type(exc).__name__}: {exc}")

    def _metric(self, server: _LbServer, tg_arn: str | None, code: int, answered_by: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.request(server.account_id, server.region, server.lb_arn, tg_arn, code, answered_by, seconds)

    def _count(self, tg_arn: str, key: str) -> None:
        with self._lock:
            counts = self._stats.setdefault(tg_arn, _zero_stats())
            counts[key] = counts.get(key, 0) + 1

    def _pick_group(self, action: dict[str, Any]) -> str | None:
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if not groups:
            return action.get("TargetGroupArn")
        weights = [max(0, int(g.get("Weight", 1))) for g in groups]
        if sum(weights) == 0:
            return None
        return random.choices([g["TargetGroupArn"] for g in groups], weights=weights)[0]

    def _sticky_cookies(self, tg_arn: str, target: tuple[str, int], seconds: int) -> list[tuple[str, str]]:
        """AWSALB and AWSALBCORS naming ``target`` until ``seconds`` from now; AWS re-issues
        them with every response (the expiry restarts after every request)."""
        payload = json.dumps([tg_arn, target[0], target[1], int(time.time()) + seconds]).encode()
        value = (base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." +
                 hmac.new(self._cookie_key, payload, hashlib.sha256).hexdigest()[:32])
        expires = formatdate(time.time() + STICKY_COOKIE_S, usegmt=True)
        return [("Set-Cookie", f"AWSALB={value}; Expires={expires}; Path=/"),
                ("Set-Cookie", f"AWSALBCORS={value}; Expires={expires}; Path=/; SameSite=None; Secure")]

    def _sticky_target(self, tg_arn: str, cookie: str | None) -> tuple[str, int] | None:
        """The target an AWSALB cookie names for this group, if it is this engine's, unaltered
        and not past its stickiness duration; else None (a new target is chosen)."""
        if not cookie or "." not in cookie:
            return None
        encoded, _, signature = cookie.rpartition(".")
        try:
            payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            group, host, port, until = json.loads(payload)
        except (ValueError, TypeError):
            return None
        good = hmac.new(self._cookie_key, payload, hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(good, signature) or group != tg_arn or until < time.time():
            return None
        return str(host), int(port)

    def _pick_target(self, tg_arn: str, prefer: tuple[str, int] | None = None) -> tuple[str, int] | None:
        # Only loopback endpoints: a directory bug must not send lab traffic off this machine.
        eps = [e for e in self.targets.endpoints(tg_arn) if _is_loopback(e[0])]
        pool = [e for e in eps if e[2] == "healthy"]
        if not pool:
            # ALB fails open: with no healthy target it routes to all registered ones
            # (never to those draining or unused).
            pool = [e for e in eps if e[2] in _FAIL_OPEN_STATES]
        if not pool:
            return None
        if prefer is not None and any((h, int(p)) == prefer for h, p, _ in pool):
            return prefer  # a sticky session's target, still routable
        with self._lock:
            n = self._rr.get(tg_arn, 0)
            self._rr[tg_arn] = n + 1
        host, port, _ = pool[n % len(pool)]
        return host, int(port)


def _sticky_seconds(tg: Any) -> int:
    """The duration of a target group's duration-based stickiness (lb_cookie), 0 if off."""
    attrs = getattr(tg, "attributes", None) or {}
    if str(attrs.get("stickiness.enabled", "false")).lower() != "true":
        return 0
    if attrs.get("stickiness.type", "lb_cookie") != "lb_cookie":
        return 0  # app_cookie (and the NLB types) are not implemented
    return int(attrs.get("stickiness.lb_cookie.duration_seconds") or STICKY_DEFAULT_S)


def _forwarded_groups(action: dict[str, Any]) -> list[str]:
    if action.get("Type") != "forward":
        return []
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    arns = [g["TargetGroupArn"] for g in groups if g.get("TargetGroupArn")]
    return arns or ([action["TargetGroupArn"]] if action.get("TargetGroupArn") else [])


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _zero_stats() -> dict[str, int]:
    return {"requests": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "elb_5xx": 0}


def _close(server: _LbServer, thread: threading.Thread) -> None:
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


def apply(patching: Patching, plane: AlbDataPlane) -> None:
    """A load balancer is served on 127.0.0.1 from the moment it exists; its DNS name
    says where (``<name>-<id>.elb.localhost:<port>``, that port serving its listener with
    the lowest port), so every URL the stack outputs reaches it. Every listener is also
    served on a port of its own from the moment it exists, written on it as the tag
    ``localaws:port``. Deleting either stops its server."""
    from moto.elbv2.models import ELBv2Backend

    names = ("create_load_balancer", "delete_load_balancer", "create_listener", "delete_listener")
    saved = {name: getattr(ELBv2Backend, name) for name in names}

    def create_load_balancer(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        balancer = saved["create_load_balancer"](self, *args, **kwargs)
        port = plane.start(self.account_id, self.region_name, balancer.arn)
        suffix = balancer.arn.rsplit("/", 1)[-1][:8]
        balancer.dns_name = f"{balancer.name}-{suffix}.elb.localhost:{port}"
        return balancer

    def delete_load_balancer(self, arn):  # type: ignore[no-untyped-def]
        result = saved["delete_load_balancer"](self, arn)
        plane.stop(arn)
        return result

    def create_listener(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        listener = saved["create_listener"](self, *args, **kwargs)
        port = plane.listen(self.account_id, self.region_name, listener.load_balancer_arn, listener.arn)
        self.tagging_service.tag_resource(listener.arn, [{"Key": PORT_TAG, "Value": str(port)}])
        return listener

    def delete_listener(self, listener_arn):  # type: ignore[no-untyped-def]
        listener = saved["delete_listener"](self, listener_arn)
        plane.unlisten(listener_arn)
        return listener

    for name, wrapper in (("create_load_balancer", create_load_balancer),
                          ("delete_load_balancer", delete_load_balancer),
                          ("create_listener", create_listener), ("delete_listener", delete_listener)):
        patching.replace(ELBv2Backend, name, wrapper)
    patching.note("ELBv2: each load balancer serves HTTP on 127.0.0.1 (DNS name host:port), "
                  f"and each listener on a port of its own (tag {PORT_TAG})")
