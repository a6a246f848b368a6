"""Tests for the ALB data plane: rules from moto (in-process), real HTTP on 127.0.0.1.

Run: cd /work/main && .venv/bin/python -m pytest localaws/test_alb.py -q
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import os
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws.alb import PORT_TAG, AlbDataPlane, apply, wildcard_match  # noqa: E402
from localaws.patches import Patching  # noqa: E402

REGION = "us-east-1"
TIMEOUT = 0.5  # the plane's target timeout in these tests (30 s by default)


# ---------------------------------------------------------------- fake targets


class _Echo(BaseHTTPRequestHandler):
    """Answers with its own name and what it received; X-Want-Status picks the status."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        if self.server.delay:
            time.sleep(self.server.delay)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps(
            {
                "name": self.server.name,
                "method": self.command,
                "path": self.requestline.split()[1],  # self.path has '//' collapsed
                "len": len(body),
                "sha": hashlib.sha256(body).hexdigest(),
                "headers": [[k, v] for k, v in self.headers.items()],
            }
        ).encode()
        status = int(self.headers.get("X-Want-Status") or 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Set-Cookie", "a=1")
        self.send_header("Set-Cookie", "b=2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _any


def _echo_server(name: str, delay: float = 0.0) -> ThreadingHTTPServer:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    srv.daemon_threads = True
    srv.handle_error = lambda request, addr: None  # type: ignore[method-assign]  # e.g. slow1 after the 504
    srv.name, srv.delay = name, delay  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return srv


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FakeDirectory:
    def __init__(self) -> None:
        self.map: dict[str, list[tuple[str, int, str]]] = {}

    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        return list(self.map.get(target_group_arn, []))


# ---------------------------------------------------------------- the lab


class Lab:
    def __init__(self) -> None:
        kw = dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        self.elb = boto3.client("elbv2", **kw)
        ec2 = boto3.client("ec2", **kw)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.vpc = vpc
        self.subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in ((1, "a"), (2, "b"))
        ]
        self.lb = self.new_lb("mysfits")
        self.tg: dict[str, str] = {}
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.dir = FakeDirectory()

    def new_lb(self, name: str) -> str:
        return self.elb.create_load_balancer(Name=name, Subnets=self.subnets)["LoadBalancers"][0]["LoadBalancerArn"]

    def group(self, name: str, *targets: tuple[str, str]) -> str:
        """A target group whose targets are (server name, state); server names starting
        with 'refused' get a closed port, with 'slow' a server slower than TIMEOUT."""
        arn = self.elb.create_target_group(
            Name=name, Protocol="HTTP", Port=80, VpcId=self.vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        self.tg[name] = arn
        eps = []
        for sname, state in targets:
            if sname.startswith("refused"):
                port = _closed_port()
            else:
                srv = _echo_server(sname, delay=4 * TIMEOUT if sname.startswith("slow") else 0.0)
                self.servers[sname] = srv
                port = srv.server_address[1]
            eps.append(("127.0.0.1", port, state))
        self.dir.map[arn] = eps
        return arn

    def set_states(self, group: str, *states: str) -> None:
        arn = self.tg[group]
        self.dir.map[arn] = [(h, p, s) for (h, p, _), s in zip(self.dir.map[arn], states)]

    def rule(self, priority: int, conditions: list[dict[str, Any]], action: dict[str, Any]) -> str:
        return self.elb.create_rule(
            ListenerArn=self.listener, Priority=priority, Conditions=conditions, Actions=[action]
        )["Rules"][0]["RuleArn"]

    def fwd(self, group: str) -> dict[str, Any]:
        return {"Type": "forward", "TargetGroupArn": self.tg[group]}


def path(*values: str) -> list[dict[str, Any]]:
    return [{"Field": "path-pattern", "Values": list(values)}]


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[Lab, AlbDataPlane, int, list[str]]]:
    with mock_aws():
        lab = Lab()
        lab.group("tg-a", ("a1", "healthy"), ("a2", "healthy"))
        lab.group("tg-b", ("b1", "healthy"))
        lab.group("tg-c", ("c1", "healthy"))
        lab.group("tg-w10", ("w10", "healthy"))
        lab.group("tg-w90", ("w90", "healthy"))
        lab.group("tg-w0", ("w0", "healthy"))
        lab.group("tg-empty")
        lab.group("tg-unhealthy", ("u1", "unhealthy"), ("u2", "unhealthy"))
        lab.group("tg-draining", ("d-healthy", "healthy"), ("d-draining", "draining"))
        lab.group("tg-drain-init", ("di-draining", "draining"), ("di-initial", "initial"))
        lab.group("tg-all-draining", ("ad1", "draining"), ("ad2", "unused"))
        lab.group("tg-refused", ("refused1", "healthy"))
        lab.group("tg-slow", ("slow1", "healthy"))
        lab.group("tg-stats", ("s1", "healthy"))
        lab.group("tg-sticky", ("k1", "healthy"), ("k2", "healthy"), ("k3", "healthy"))

        lab.listener = lab.elb.create_listener(
            LoadBalancerArn=lab.lb, Protocol="HTTP", Port=80, DefaultActions=[lab.fwd("tg-a")]
        )["Listeners"][0]["ListenerArn"]
        # Created before the priority-1 rule it overlaps: evaluation must sort by priority.
        lab.rule(50, path("/mysfits/*/like*"), lab.fwd("tg-c"))
        lab.rule(1, path("/mysfits/*/like"), lab.fwd("tg-b"))
        lab.rule(
            2,
            path("/mysfits/*/adopt") + [{"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["POST"]}}],
            lab.fwd("tg-b"),
        )
        lab.rule(
            3,
            [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/fixed", "/fixed/*"]}}],
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "418", "ContentType": "text/plain", "MessageBody": "teapot"},
            },
        )
        lab.rule(4, [{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.*"]}}], lab.fwd("tg-c"))
        lab.rule(
            5,
            [{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "version", "Value": "v?"}]}}],
            lab.fwd("tg-c"),
        )
        lab.rule(
            6,
            [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["true*"]}}],
            lab.fwd("tg-c"),
        )
        lab.rule(7, path("/a?c"), lab.fwd("tg-c"))
        lab.rule(8, path("/files/*.json"), lab.fwd("tg-c"))
        lab.rule(
            9,
            path("/old/*"),
            {"Type": "redirect", "RedirectConfig": {"Path": "/new/#{path}", "StatusCode": "HTTP_301"}},
        )
        lab.rule(
            10,
            path("/weighted"),
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": lab.tg["tg-w10"], "Weight": 10},
                        {"TargetGroupArn": lab.tg["tg-w90"], "Weight": 90},
                        {"TargetGroupArn": lab.tg["tg-w0"], "Weight": 0},
                    ]
                },
            },
        )
        for prio, (pattern, group) in enumerate(
            [
                ("/empty/*", "tg-empty"),
                ("/unhealthy/*", "tg-unhealthy"),
                ("/draining/*", "tg-draining"),
                ("/drain-init/*", "tg-drain-init"),
                ("/all-draining", "tg-all-draining"),
                ("/refused", "tg-refused"),
                ("/slow", "tg-slow"),
                ("/stats/*", "tg-stats"),
            ],
            start=11,
        ):
            lab.rule(prio, path(pattern), lab.fwd(group))
        lab.rule(30, path("/ip/*") + [{"Field": "source-ip", "SourceIpConfig": {"Values": ["127.0.0.0/8"]}}], lab.fwd("tg-c"))
        lab.rule(31, path("/ip10/*") + [{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}}], lab.fwd("tg-c"))
        # %2A is a '*' spelled out, not a wildcard (a literal '*' is also written '\*').
        lab.rule(32, [{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "k", "Value": "a%2Ab"}]}}],
                 lab.fwd("tg-c"))
        lab.rule(33, path("//a/*"), {"Type": "redirect", "RedirectConfig": {"Path": "/r0/#{path}", "StatusCode": "HTTP_302"}})
        lab.rule(36, path("/sticky/*"), lab.fwd("tg-sticky"))
        lab.rule(35, [{"Field": "host-header", "HostHeaderConfig": {"Values": ["www.example.com"]}}], lab.fwd("tg-c"))
        lab.rule(34, [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["prod"]}}],
                 lab.fwd("tg-c"))

        lines: list[str] = []
        plane = AlbDataPlane(lab.dir, log=lines.append, verbose=True, target_timeout=TIMEOUT)
        port = plane.start(DEFAULT_ACCOUNT_ID, REGION, lab.lb)
        yield lab, plane, port, lines
        plane.stop_all()
        for srv in lab.servers.values():
            srv.shutdown()
            srv.server_close()


def call(
    port: int, method: str, target: str, headers: dict[str, str] | None = None, body: Any = None,
    conn: http.client.HTTPConnection | None = None, **kw: Any,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, target, body=body, headers=headers or {}, **kw)
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        if own:
            c.close()


# ---------------------------------------------------------------- routing

FIXED = "fixed:418"

# Worked out by hand from the rules above, not by the code under test.
ROUTES: list[tuple[str, str, dict[str, str], str]] = [
    ("GET", "/mysfits/1/like", {}, "tg-b"),
    ("GET", "/mysfits/1/like/", {}, "tg-c"),  # only /mysfits/*/like* (priority 50)
    ("GET", "/mysfits/1/likes", {}, "tg-c"),
    ("GET", "/mysfits", {}, "tg-a"),
    ("GET", "/mysfits/", {}, "tg-a"),
    ("GET", "/MYSFITS/1/like", {}, "tg-a"),  # path patterns are case-sensitive
    ("GET", "/mysfits/1/adopt", {}, "tg-a"),  # method rule wants POST
    ("POST", "/mysfits/1/adopt", {}, "tg-b"),
    ("PUT", "/mysfits/1/adopt", {}, "tg-a"),
    ("GET", "/mysfits/a/b/like", {}, "tg-b"),  # * crosses '/'
    ("GET", "/mysfits//like", {}, "tg-b"),  # * matches nothing
    ("GET", "/mysfits/1/like?x=1", {}, "tg-b"),  # query is not part of the path
    ("GET", "/mysfits/1/like?a/b", {}, "tg-b"),
    ("GET", "/mysfits/%31/like", {}, "tg-b"),  # raw, not decoded
    ("GET", "/xmysfits/1/like", {}, "tg-a"),  # whole path must match
    ("GET", "//mysfits/1/like", {}, "tg-a"),  # no slash collapsing
    ("GET", "/fixed", {}, FIXED),
    ("GET", "/fixed/x/y?z=1", {}, FIXED),
    ("GET", "/fixedx", {}, "tg-a"),
    ("GET", "/anything", {"Host": "api.example.com"}, "tg-c"),
    ("GET", "/anything", {"Host": "API.Example.COM:8080"}, "tg-c"),  # case-insensitive, port ignored
    ("GET", "/anything", {"Host": "api-example.com"}, "tg-a"),  # '.' is literal
    ("GET", "/mysfits/1/like", {"Host": "api.example.com"}, "tg-b"),  # priority 1 before 4
    ("GET", "/q?version=v2", {}, "tg-c"),
    ("GET", "/q?VERSION=V2", {}, "tg-c"),  # query-string comparison is case-insensitive
    ("GET", "/q?a=1&version=v3", {}, "tg-c"),
    ("GET", "/q?version=v10", {}, "tg-a"),  # ? is exactly one character
    ("GET", "/q?other=v2", {}, "tg-a"),
    ("GET", "/version=v2", {}, "tg-a"),
    ("GET", "/h", {"X-Canary": "TRUE"}, "tg-c"),
    ("GET", "/h", {"x-canary": "true-ish"}, "tg-c"),
    ("GET", "/h", {"X-Canary": "false"}, "tg-a"),
    ("GET", "/abc", {}, "tg-c"),
    ("GET", "/ac", {}, "tg-a"),
    ("GET", "/abbc", {}, "tg-a"),
    ("GET", "/files/x.json", {}, "tg-c"),
    ("GET", "/files/a/b.json?y", {}, "tg-c"),
    ("GET", "/files/xjson", {}, "tg-a"),
    ("GET", "/ip/1", {}, "tg-c"),
    ("GET", "/ip10/1", {}, "tg-a"),
    ("GET", "/", {}, "tg-a"),
    # RFC 7230 §3.2.4: the whitespace around a header's value is not part of it.
    ("GET", "/anything", {"Host": "www.example.com "}, "tg-c"),
    ("GET", "/anything", {"Host": "www.example.com:8080\t"}, "tg-c"),
    ("GET", "/anything", {"Host": "www.example.co"}, "tg-a"),
    ("GET", "/env", {"X-Env": "prod\t"}, "tg-c"),
    ("GET", "/env", {"X-Env": "prod "}, "tg-c"),
    ("GET", "/env", {"X-Env": "prodx"}, "tg-a"),
    # The rule's "a%2Ab" is the literal "a*b": the request's value is decoded, then compared.
    ("GET", "/q?k=a*b", {}, "tg-c"),
    ("GET", "/q?k=a%2Ab", {}, "tg-c"),
    ("GET", "/q?k=A%2aB", {}, "tg-c"),
    ("GET", "/q?k=aXb", {}, "tg-a"),
    ("GET", "/q?k=ab", {}, "tg-a"),
]


@pytest.mark.parametrize("method,target,headers,want", ROUTES, ids=[f"{m} {t} {h}" for m, t, h, _ in ROUTES])
def test_routing(lab: Any, method: str, target: str, headers: dict[str, str], want: str) -> None:
    _, _, port, _ = lab
    status, hdrs, body = call(port, method, target, headers, body=b"" if method != "GET" else None)
    if want == FIXED:
        assert (status, body, hdrs["Content-Type"]) == (418, b"teapot", "text/plain")
        assert hdrs["x-mysfits-target-group"] is None
        return
    assert status == 200, body
    assert hdrs["x-mysfits-target-group"] == want
    got = json.loads(body)
    assert got["name"][0] == want[3]  # a server of that group answered (a1, b1, c1)
    assert (got["method"], got["path"]) == (method, target)


def test_round_robin_over_healthy(lab: Any) -> None:
    _, _, port, _ = lab
    names = [json.loads(call(port, "GET", "/")[2])["name"] for _ in range(10)]
    assert Counter(names) == {"a1": 5, "a2": 5}
    assert all(x != y for x, y in zip(names, names[1:]))


def test_weighted_split(lab: Any) -> None:
    _, _, port, _ = lab
    n, p = 1000, 0.1
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # keep-alive: fast
    counts = Counter(call(port, "GET", "/weighted", conn=conn)[1]["x-mysfits-target-group"] for _ in range(n))
    conn.close()
    # Two-sided 99.9% interval of Binomial(1000, 0.1), normal approximation.
    half = 3.29 * math.sqrt(n * p * (1 - p))
    assert n * p - half <= counts["tg-w10"] <= n * p + half, counts
    assert counts["tg-w10"] + counts["tg-w90"] == n
    assert counts["tg-w0"] == 0


def test_fixed_redirect_and_head(lab: Any) -> None:
    _, _, port, _ = lab
    status, hdrs, body = call(port, "GET", "/old/x/y?q=1")
    assert status == 301
    assert hdrs["Location"] == f"http://127.0.0.1:{port}/new/old/x/y?q=1"
    # "#{path} (the leading "/" is removed)": only that one, so //a/b keeps its second.
    status, hdrs, _ = call(port, "GET", "//a/b?x=1")
    assert (status, hdrs["Location"]) == (302, f"http://127.0.0.1:{port}/r0//a/b?x=1")
    status, hdrs, body = call(port, "HEAD", "/mysfits")
    assert status == 200 and body == b"" and int(hdrs["Content-Length"]) > 0
    # repeated response headers survive
    _, hdrs, _ = call(port, "GET", "/mysfits")
    assert hdrs.get_all("Set-Cookie") == ["a=1", "b=2"]


# ---------------------------------------------------------------- live state


def test_rule_created_after_start_is_used(lab: Any) -> None:
    lab_, _, port, _ = lab
    assert call(port, "GET", "/late/1")[1]["x-mysfits-target-group"] == "tg-a"
    arn = lab_.rule(45, path("/late/*"), lab_.fwd("tg-b"))
    assert call(port, "GET", "/late/1")[1]["x-mysfits-target-group"] == "tg-b"
    lab_.elb.modify_rule(RuleArn=arn, Actions=[lab_.fwd("tg-c")])
    assert call(port, "GET", "/late/1")[1]["x-mysfits-target-group"] == "tg-c"
    # moved behind the /mysfits/*/like* rule (50): that one wins now for its paths
    lab_.elb.modify_rule(RuleArn=arn, Conditions=path("/mysfits/*"))
    lab_.elb.set_rule_priorities(RulePriorities=[{"RuleArn": arn, "Priority": 60}])
    assert call(port, "GET", "/mysfits/1/likes")[1]["x-mysfits-target-group"] == "tg-c"
    assert call(port, "GET", "/mysfits/1")[1]["x-mysfits-target-group"] == "tg-c"
    lab_.elb.delete_rule(RuleArn=arn)
    assert call(port, "GET", "/mysfits/1")[1]["x-mysfits-target-group"] == "tg-a"


def test_listener_created_after_start_lowest_port(lab: Any) -> None:
    lab_, plane, _, _ = lab
    lb2 = lab_.new_lb("second")
    port = plane.start(DEFAULT_ACCOUNT_ID, REGION, lb2)
    assert plane.start(DEFAULT_ACCOUNT_ID, REGION, lb2) == port  # idempotent
    assert call(port, "GET", "/")[0] == 503  # no listener yet
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "eight"}}
    lab_.elb.create_listener(LoadBalancerArn=lb2, Protocol="HTTP", Port=8080, DefaultActions=[fixed])
    assert call(port, "GET", "/")[2] == b"eight"
    lab_.elb.create_listener(LoadBalancerArn=lb2, Protocol="HTTP", Port=81, DefaultActions=[lab_.fwd("tg-b")])
    assert call(port, "GET", "/")[1]["x-mysfits-target-group"] == "tg-b"
    plane.stop(lb2)
    with pytest.raises(ConnectionRefusedError):
        call(port, "GET", "/")
    plane.stop(lb2)  # stopping twice is harmless


def test_every_listener_is_served_side_by_side(lab: Any) -> None:
    lab_, plane, _, _ = lab
    patching = Patching(engine=True)
    apply(patching, plane)
    try:
        lb = lab_.elb.create_load_balancer(Name="sides", Subnets=lab_.subnets)["LoadBalancers"][0]
        front = int(lb["DNSName"].rsplit(":", 1)[1])
        assert lb["DNSName"].startswith("sides-") and plane.port(lb["LoadBalancerArn"]) == front

        def fixed(text: str) -> dict[str, Any]:
            return {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "MessageBody": text}}

        def listener(port: int, action: dict[str, Any]) -> tuple[str, int]:
            arn = lab_.elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                                           DefaultActions=[action])["Listeners"][0]["ListenerArn"]
            tags = lab_.elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
            return arn, int({t["Key"]: t["Value"] for t in tags}[PORT_TAG])

        http80, port80 = listener(80, fixed("eighty"))
        http8080, port8080 = listener(8080, fixed("eighty-eighty"))
        assert len({front, port80, port8080}) == 3
        # Each listener answers by its own rules, on its own port, at the same time.
        assert call(port80, "GET", "/")[2] == b"eighty"
        assert call(port8080, "GET", "/")[2] == b"eighty-eighty"
        assert call(front, "GET", "/")[2] == b"eighty"  # the DNS name's port: the lowest listener
        # A redirect to another listener's port lands where that listener is served here.
        to8080 = {"Type": "redirect", "RedirectConfig": {"Port": "8080", "StatusCode": "HTTP_301"}}
        lab_.elb.create_rule(ListenerArn=http80, Priority=1, Conditions=path("/other/*"), Actions=[to8080])
        status, hdrs, _ = call(port80, "GET", "/other/x?y=1", {"Host": f"sides.elb.localhost:{port80}"})
        assert (status, hdrs["Location"]) == (301, f"http://sides.elb.localhost:{port8080}/other/x?y=1")
        # Deleting a listener closes its port; the DNS name's port now serves the next one.
        lab_.elb.delete_listener(ListenerArn=http80)
        with pytest.raises(ConnectionRefusedError):
            call(port80, "GET", "/")
        assert call(front, "GET", "/")[2] == b"eighty-eighty"
        lab_.elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        for port in (front, port8080):
            with pytest.raises(ConnectionRefusedError):
                call(port, "GET", "/")
        assert plane.listener_port(http8080) is None
    finally:
        patching.restore()


def test_unknown_load_balancer_is_refused(lab: Any) -> None:
    _, plane, _, _ = lab
    with pytest.raises(LookupError):
        plane.start(DEFAULT_ACCOUNT_ID, REGION, "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/nope/0")


# ---------------------------------------------------------------- proxying


def test_post_bodies_and_forwarded_headers(lab: Any) -> None:
    _, _, port, _ = lab
    data = os.urandom(256 * 1024)
    status, hdrs, body = call(
        port, "POST", "/mysfits/1/like?x=1", {"Content-Type": "application/octet-stream"}, body=data
    )
    got = json.loads(body)
    assert (status, got["name"], got["len"], got["sha"]) == (200, "b1", len(data), hashlib.sha256(data).hexdigest())
    assert got["path"] == "/mysfits/1/like?x=1"

    # chunked request body, plus a header the client marks hop-by-hop via Connection
    chunks = [b"hello ", b"chunked ", b"world" * 1000]
    status, _, body = call(
        port,
        "POST",
        "/mysfits/2/like",
        {"Connection": "keep-alive, X-Hop", "X-Hop": "secret", "X-Forwarded-For": "203.0.113.9", "X-Keep": "1"},
        body=iter(chunks),
        encode_chunked=True,
    )
    got = json.loads(body)
    whole = b"".join(chunks)
    assert (status, got["len"], got["sha"]) == (200, len(whole), hashlib.sha256(whole).hexdigest())
    h = {k.lower(): v for k, v in got["headers"]}
    assert "x-hop" not in h and "transfer-encoding" not in h
    assert h["x-keep"] == "1"
    assert h["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert h["x-forwarded-proto"] == "http"
    assert h["x-forwarded-port"] == str(port)
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", h["x-amzn-trace-id"])
    assert h["host"] == f"127.0.0.1:{port}"  # the client's Host, as ALB keeps it


# ---------------------------------------------------------------- targets and errors


def _names(port: int, target: str, n: int = 6) -> Counter[str]:
    return Counter(json.loads(call(port, "GET", target)[2])["name"] for _ in range(n))


def test_no_targets_is_503(lab: Any) -> None:
    _, _, port, _ = lab
    status, hdrs, body = call(port, "GET", "/empty/1")
    assert status == 503
    assert b"<title>503 Service Temporarily Unavailable</title>" in body
    assert (hdrs["Server"], hdrs["Content-Type"], hdrs["x-mysfits-target-group"]) == (
        "awselb/2.0",
        "text/html",
        "tg-empty",
    )
    assert call(port, "GET", "/all-draining")[0] == 503  # draining/unused are not routable


def test_only_loopback_targets(lab: Any) -> None:
    lab_, _, port, _ = lab
    arn = lab_.tg["tg-empty"]
    lab_.dir.map[arn] = [("10.0.1.5", 80, "healthy"), ("192.0.2.1", 80, "unhealthy")]
    try:
        assert call(port, "GET", "/empty/1")[0] == 503
    finally:
        lab_.dir.map[arn] = []


def test_fail_open_when_none_healthy(lab: Any) -> None:
    lab_, _, port, _ = lab
    assert _names(port, "/unhealthy/1") == {"u1": 3, "u2": 3}
    lab_.set_states("tg-unhealthy", "unhealthy", "initial")
    assert _names(port, "/unhealthy/1") == {"u1": 3, "u2": 3}
    lab_.set_states("tg-unhealthy", "unhealthy", "healthy")  # one healthy: only it
    assert _names(port, "/unhealthy/1") == {"u2": 6}
    lab_.set_states("tg-unhealthy", "unhealthy", "unhealthy")


def test_draining_never_chosen(lab: Any) -> None:
    _, _, port, _ = lab
    assert _names(port, "/draining/1", 8) == {"d-healthy": 8}
    assert _names(port, "/drain-init/1", 8) == {"di-initial": 8}


def test_refused_is_502_and_slow_is_504(lab: Any) -> None:
    _, _, port, _ = lab
    status, hdrs, body = call(port, "GET", "/refused")
    assert status == 502 and b"502 Bad Gateway" in body and hdrs["x-mysfits-target-group"] == "tg-refused"
    started = time.monotonic()
    status, _, body = call(port, "GET", "/slow")
    assert status == 504 and b"504 Gateway Time-out" in body
    assert time.monotonic() - started < 4 * TIMEOUT


def test_stats_and_log(lab: Any) -> None:
    lab_, plane, port, lines = lab
    for want in (200, 200, 201, 404, 404, 500):
        assert call(port, "GET", "/stats/ok", {"X-Want-Status": str(want)})[0] == want
    saved = lab_.dir.map[lab_.tg["tg-stats"]]
    lab_.dir.map[lab_.tg["tg-stats"]] = []
    assert call(port, "GET", "/stats/ok")[0] == 503
    lab_.dir.map[lab_.tg["tg-stats"]] = saved
    assert plane.stats(lab_.tg["tg-stats"]) == {
        "requests": 7, "2xx": 3, "3xx": 0, "4xx": 2, "5xx": 1, "elb_5xx": 1,
    }
    assert plane.stats("arn:unknown")["requests"] == 0
    assert plane.stats(lab_.tg["tg-refused"])["elb_5xx"] >= 1
    assert any(re.fullmatch(r"GET /stats/ok -> tg-stats 127\.0\.0\.1:\d+ 404 \d+ms", ln) for ln in lines), lines[-8:]


def test_duration_based_stickiness(lab: Any) -> None:
    lab_, _, port, _ = lab

    def get(cookie: str | None = None) -> tuple[str, dict[str, str]]:
        _, hdrs, body = call(port, "GET", "/sticky/1", {"Cookie": cookie} if cookie else {})
        cookies = dict(c.split(";", 1)[0].split("=", 1) for c in hdrs.get_all("Set-Cookie") or [])
        return json.loads(body)["name"], cookies

    # Off (the default): round robin, no load balancer cookie.
    names = [get() for _ in range(3)]
    assert sorted(n for n, _ in names) == ["k1", "k2", "k3"]
    assert all("AWSALB" not in c for _, c in names)

    arn = lab_.tg["tg-sticky"]
    attrs = [{"Key": "stickiness.enabled", "Value": "true"}, {"Key": "stickiness.type", "Value": "lb_cookie"},
             {"Key": "stickiness.lb_cookie.duration_seconds", "Value": "3"}]
    lab_.elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=attrs)
    try:
        first, cookies = get()
        _, hdrs, _ = call(port, "GET", "/sticky/1")
        raw = hdrs.get_all("Set-Cookie")
        assert re.fullmatch(r"AWSALB=[\w.-]+; Expires=\w{3}, \d{2} \w{3} \d{4} [\d:]{8} GMT; Path=/", raw[-2]), raw
        assert raw[-1].startswith("AWSALBCORS=") and raw[-1].endswith("; Path=/; SameSite=None; Secure")
        assert cookies["AWSALB"] == cookies["AWSALBCORS"]
        # With the cookie, every request goes to the same target, and the cookie is renewed.
        jar = f"session=x; AWSALB={cookies['AWSALB']}"
        assert {get(jar)[0] for _ in range(6)} == {first}
        # An altered cookie is no cookie: round robin again.
        forged = cookies["AWSALB"][:-1] + ("0" if cookies["AWSALB"][-1] != "0" else "1")
        assert len({get(f"AWSALB={forged}")[0] for _ in range(3)}) == 3
        # Its target unhealthy: another one, and the new cookie names it.
        lab_.set_states("tg-sticky", *["unhealthy" if n == first else "healthy" for n in ("k1", "k2", "k3")])
        moved, renewed = get(jar)
        assert moved != first and {get(f"AWSALB={renewed['AWSALB']}")[0] for _ in range(4)} == {moved}
        lab_.set_states("tg-sticky", "healthy", "healthy", "healthy")
        # Past the stickiness duration (3 s here: long enough for the requests above on a
        # loaded machine, as the first cookie is not renewed), the cookie no longer binds.
        time.sleep(3.2)
        assert len({get(f"AWSALB={renewed['AWSALB']}")[0] for _ in range(3)}) == 3
    finally:
        lab_.elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "stickiness.enabled", "Value": "false"}])


# ---------------------------------------------------------------- matcher


@pytest.mark.parametrize(
    "pattern,text,want",
    [
        ("/mysfits/*", "/mysfits/1", True),
        ("/mysfits/*", "/mysfits", False),
        ("/mysfits/*/like", "/mysfits/a/b/like", True),
        ("/mysfits/?/like", "/mysfits/12/like", False),
        ("/mysfits/?/like", "/mysfits//like", False),
        ("/*", "/", True),
        ("/*", "", False),
        ("/a*b*c", "/aXbYc", True),
        ("/a*b*c", "/acb", False),
        ("/*?", "/", False),
        ("/*?", "/a", True),
        ("/" + "*a" * 20 + "b", "/" + "a" * 60, False),  # no exponential backtracking
    ],
)
def test_wildcard_match(pattern: str, text: str, want: bool) -> None:
    assert wildcard_match(pattern, text) is want


def test_wildcard_escapes_and_case() -> None:
    assert wildcard_match(r"a\*b", "a*b", escapes=True)
    assert not wildcard_match(r"a\*b", "axb", escapes=True)
    # Decoded %HH are literals, whatever they encode; case folds after decoding.
    assert not wildcard_match("a%2Ab", "axb", escapes=True, decode=True)
    assert not wildcard_match("a%3Fb", "axb", escapes=True, decode=True)
    assert wildcard_match("a%3Fb", "a?b", escapes=True, decode=True)
    assert wildcard_match("%C3%89T%C3%89*", "été!", ignore_case=True, escapes=True, decode=True)
    assert wildcard_match("100%", "100%", escapes=True, decode=True)  # not a %HH: itself
    assert wildcard_match("API.*", "api.example.com", ignore_case=True)
    assert not wildcard_match("API.*", "api.example.com")
