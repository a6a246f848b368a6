"""HTTP data plane for moto's Application Load Balancers: which servers run, and where
requests go.

moto keeps ELBv2 state (load balancers, listeners, rules, target groups) but serves no
traffic. `AlbDataPlane` puts HTTP servers (``alb_proxy.py``) on 127.0.0.1: one per load
balancer (the port of its DNS name, serving its listener with the lowest port) and one
per listener (`listen`), with TLS for HTTPS listeners (``alb_tls.py``); for every request they read the live listener and rules from
moto's backend and evaluate them the way ALB does (``alb_rules.py``). Here: the
servers' lifetimes, the weighted choice of a target group, round-robin over routable
targets (fail-open as ALB does), that a `TargetDirectory` maps to a local address,
duration-based stickiness cookies, and the counts. Nothing is cached, so rules,
listeners and targets changed through the API take effect on the next request. With an
`AlbMetrics` (metrics.py), every answer is also counted into moto's CloudWatch, and the
target groups' host counts are sampled.

moto 5.2.5 storage this relies on (moto/elbv2/models.py):
- `backend.load_balancers[lb_arn].listeners` : {listener_arn: FakeListener}; `.port` int.
- `backend.target_groups[tg_arn].name`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Protocol

from .alb_proxy import STICKY_DEFAULT_S, LbServer, close_server, refusal
from .alb_rules import condition_matches, forwarded_groups, snapshot, sorted_actions, wildcard_match
from .alb_tls import TlsUnavailable, listener_context
from .patches import Patching

if TYPE_CHECKING:
    from .metrics import AlbMetrics

__all__ = ["AlbDataPlane", "STICKY_DEFAULT_S", "TargetDirectory", "apply", "condition_matches",
           "wildcard_match"]

# The tag the engine puts on every listener: the 127.0.0.1 port that serves it.
PORT_TAG = "localaws:port"
# ALB's default when no target answers in time (the lab leaves idle timeout alone).
TARGET_TIMEOUT_S = 30.0
# Duration-based stickiness: the cookie's own expiry ("7 days, which is
# non-configurable"); the stickiness duration travels inside the cookie.
STICKY_COOKIE_S = 7 * 86400
# How often HealthyHostCount / UnHealthyHostCount are sampled (AWS: once a minute).
HOST_SAMPLE_S = 5.0

_FAIL_OPEN_STATES = ("initial", "unhealthy")


class TargetDirectory(Protocol):
    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        """(host, port, state) for each registered target, where host:port is where the
        target really listens on this machine (always 127.0.0.1) and state is one of
        'initial', 'healthy', 'unhealthy', 'draining', 'unused'."""
        ...


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
        warn: Callable[[str], None] | None = None,
    ):
        self.targets = targets
        # What the user must hear even when not verbose (an HTTPS listener not served).
        self.warn = warn or log
        self.metrics = metrics
        self.host_sample_s = host_sample_s
        self._sampler: threading.Thread | None = None
        self._sampling = threading.Event()
        self.verbose = verbose
        self.target_timeout = target_timeout
        self.log = log
        self._lock = threading.Lock()
        self._servers: dict[str, tuple[LbServer, threading.Thread]] = {}
        self._listeners: dict[str, tuple[LbServer, threading.Thread]] = {}
        self._stats: dict[str, dict[str, int]] = {}
        # Servers of load balancers not active yet (pace_elb.py): bound, refusing.
        self._waiting: dict[str, list[LbServer]] = {}
        self._rr: dict[str, int] = {}
        # Signs the AWSALB cookies of this engine run (AWS encrypts them with a rotating key).
        self._cookie_key = secrets.token_bytes(32)

    @staticmethod
    def backend(account_id: str, region: str) -> Any:
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
            if lb_arn not in self.backend(account_id, region).load_balancers:
                raise LookupError(f"no load balancer {lb_arn} in {account_id}/{region}")
            self._servers[lb_arn] = self._serve(LbServer(self, account_id, region, lb_arn,
                                                         listen=not self._waits(lb_arn)))
            if self.metrics is not None and self._sampler is None:
                self._sampler = threading.Thread(target=self._sample_loop, name="alb:hosts", daemon=True)
                self._sampler.start()
            return self._servers[lb_arn][0].server_address[1]

    def listen(self, account_id: str, region: str, lb_arn: str, listener_arn: str) -> int | None:
        """Serve one listener of a served load balancer on a free port of its own (every
        listener is reachable, side by side, whatever its port). Returns the port, or
        None, said through warn(), for an HTTPS listener whose certificate is not in ACM
        or IAM or has no private key (nothing is served for it).
        Idempotent per listener_arn; stopped by unlisten() or with its load balancer."""
        self.start(account_id, region, lb_arn)
        with self._lock:
            if listener_arn not in self._listeners:
                server = LbServer(self, account_id, region, lb_arn, listener_arn,
                                  listen=not self._waits(lb_arn))
                listener = server.listener()
                try:
                    if listener is not None:
                        listener_context(account_id, region, listener)
                except TlsUnavailable as exc:
                    server.server_close()
                    self.warn(refusal(listener, str(exc)))
                    return None
                self._listeners[listener_arn] = self._serve(server)
            return self._listeners[listener_arn][0].server_address[1]

    def unlisten(self, listener_arn: str) -> None:
        with self._lock:
            entry = self._listeners.pop(listener_arn, None)
            waiting = self._waiting.get(entry[0].lb_arn, []) if entry else []
            if entry is not None and entry[0] in waiting:
                waiting.remove(entry[0])
                entry[0].server_close()  # bound, never served
                return
        if entry is not None:
            close_server(*entry)

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
            waiting = self._waiting.pop(lb_arn, [])
        for server in waiting:  # bound, never served
            server.server_close()
        for server, thread in ([entry] if entry else []) + entries:
            if server not in waiting:
                close_server(server, thread)
        pace = _pace()
        if pace is not None:
            pace.forget_lb(lb_arn)

    def _waits(self, lb_arn: str) -> bool:
        """At AWS pace, whether the load balancer is still provisioning (its servers then
        wait, refusing connections, until it is active)."""
        pace = _pace()
        return pace is not None and not pace.lb_active(lb_arn)

    def _serve(self, server: LbServer) -> tuple[LbServer, threading.Thread]:
        name = server.lb_arn.split("/")[-2] + (f":{server.listener_arn[-6:]}" if server.listener_arn else "")
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name=f"alb:{name}", daemon=True)
        pace = _pace()
        if pace is not None and not pace.lb_active(server.lb_arn):
            # Not listening yet: the thread starts with the load balancer's activation.
            self._waiting.setdefault(server.lb_arn, []).append(server)
            pace.at(f"lb:{server.lb_arn}", pace.lb_active_at(server.lb_arn),
                    lambda arn=server.lb_arn: self._activate(arn))
            return server, thread
        thread.start()
        return server, thread

    def _activate(self, lb_arn: str) -> None:
        """The load balancer is active: its servers listen and serve."""
        with self._lock:
            servers = self._waiting.pop(lb_arn, [])
            entries = [e for e in list(self._servers.values()) + list(self._listeners.values())
                       if e[0] in servers]
        for server, thread in entries:
            server.server_activate()
            thread.start()

    def listeners(self, server: LbServer) -> list[Any]:
        """The listeners of a server's load balancer, read live from moto ([] if gone)."""
        lb = self.backend(server.account_id, server.region).load_balancers.get(server.lb_arn)
        return snapshot(lambda: lb.listeners) if lb is not None else []

    def served_port(self, server: LbServer, listener_port: int) -> int | None:
        """The local port serving this load balancer's listener on ``listener_port``."""
        listeners = self.listeners(server)
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
            lb = self.backend(account_id, region).load_balancers.get(lb_arn)
            if lb is None:
                continue
            groups: dict[str, None] = {}
            for listener in snapshot(lambda: lb.listeners):
                for rule in snapshot(lambda: listener.rules):
                    for action in sorted_actions(list(rule.actions or [])):
                        for tg_arn in forwarded_groups(action):
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

    # -- what the proxy (alb_proxy.py) asks for each request

    def _sample_loop(self) -> None:
        while not self._sampling.wait(self.host_sample_s):
            try:
                self.sample_hosts()
            except Exception as exc:  # moto state changing under us: next sample
                self.log(f"alb: host counts: {type(exc).__name__}: {exc}")

    def metric(self, server: LbServer, tg_arn: str | None, code: int, answered_by: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.request(server.account_id, server.region, server.lb_arn, tg_arn, code, answered_by, seconds)

    def count(self, tg_arn: str, key: str) -> None:
        with self._lock:
            counts = self._stats.setdefault(tg_arn, _zero_stats())
            counts[key] = counts.get(key, 0) + 1

    def pick_group(self, action: dict[str, Any]) -> str | None:
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
        if not groups:
            return action.get("TargetGroupArn")
        weights = [max(0, int(g.get("Weight", 1))) for g in groups]
        if sum(weights) == 0:
            return None
        return random.choices([g["TargetGroupArn"] for g in groups], weights=weights)[0]

    def sticky_cookies(self, tg_arn: str, target: tuple[str, int], seconds: int) -> list[tuple[str, str]]:
        """AWSALB and AWSALBCORS naming ``target`` until ``seconds`` from now; AWS re-issues
        them with every response (the expiry restarts after every request)."""
        payload = json.dumps([tg_arn, target[0], target[1], int(time.time()) + seconds]).encode()
        value = (base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." +
                 hmac.new(self._cookie_key, payload, hashlib.sha256).hexdigest()[:32])
        expires = formatdate(time.time() + STICKY_COOKIE_S, usegmt=True)
        return [("Set-Cookie", f"AWSALB={value}; Expires={expires}; Path=/"),
                ("Set-Cookie", f"AWSALBCORS={value}; Expires={expires}; Path=/; SameSite=None; Secure")]

    def sticky_target(self, tg_arn: str, cookie: str | None) -> tuple[str, int] | None:
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

    def pick_target(self, tg_arn: str, prefer: tuple[str, int] | None = None) -> tuple[str, int] | None:
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


def _pace() -> Any:
    from . import pace

    return pace.current()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _zero_stats() -> dict[str, int]:
    return {"requests": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, "elb_5xx": 0}


def apply(patching: Patching, plane: AlbDataPlane) -> None:
    """A load balancer is served on 127.0.0.1 from the moment it exists; its DNS name
    says where (``<name>-<id>.elb.localhost:<port>``, that port serving its listener with
    the lowest port), so every URL the stack outputs reaches it. Every listener is also
    served on a port of its own from the moment it exists, written on it as the tag
    ``localaws:port``. Deleting either stops its server."""
    from moto.elbv2.models import ELBv2Backend

    names = ("create_load_balancer", "delete_load_balancer", "create_listener", "modify_listener",
             "delete_listener")
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

    def serve(backend, listener):  # type: ignore[no-untyped-def]
        port = plane.listen(backend.account_id, backend.region_name, listener.load_balancer_arn, listener.arn)
        if port is not None:
            backend.tagging_service.tag_resource(listener.arn, [{"Key": PORT_TAG, "Value": str(port)}])

    def create_listener(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        listener = saved["create_listener"](self, *args, **kwargs)
        serve(self, listener)
        return listener

    def modify_listener(self, arn, *args, **kwargs):  # type: ignore[no-untyped-def]
        # An HTTPS listener not served for want of a certificate is served once it has one.
        listener = saved["modify_listener"](self, arn, *args, **kwargs)
        if plane.listener_port(arn) is None:
            serve(self, listener)
        return listener

    def delete_listener(self, listener_arn):  # type: ignore[no-untyped-def]
        listener = saved["delete_listener"](self, listener_arn)
        plane.unlisten(listener_arn)
        return listener

    for name, wrapper in (("create_load_balancer", create_load_balancer),
                          ("delete_load_balancer", delete_load_balancer),
                          ("create_listener", create_listener), ("modify_listener", modify_listener),
                          ("delete_listener", delete_listener)):
        patching.replace(ELBv2Backend, name, wrapper)
    patching.note("ELBv2: each load balancer serves HTTP on 127.0.0.1 (DNS name host:port), "
                  f"and each listener on a port of its own (tag {PORT_TAG}); HTTPS listeners with TLS, "
                  "by their certificate in ACM or IAM")
