"""The hand-written rules of the shop's listeners, as a platform team writes them: gaps
between priorities, several conditions per rule, every condition type ALB has, and the
kinds of action (forward, weighted forward, fixed response, redirect to HTTPS).

A rule names its target groups by name (``forward("shop-api")``); make turns the names
into ARNs. Each rule carries a ``Name`` tag, so a reader of a snapshot knows which it is.
"""

from __future__ import annotations

from typing import Any

# The extra target groups the rules forward to (the default one is shop-monolith).
EXTRA_GROUPS = ("shop-api", "shop-orders", "shop-admin")

ADMIN_HOST = "admin.example.com"
OFFICE_CIDR = "192.0.2.0/24"  # TEST-NET-1 (RFC 5737): no local client comes from there
ADMIN_DENIED = "admin is reachable from the office only"
CANARY_BODY = "canary: X-Canary answered by the listener"
HEALTHZ_BODY = "ok"


def host(*values: str) -> dict[str, Any]:
    return {"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}


def path(*values: str) -> dict[str, Any]:
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}


def header(name: str, *values: str) -> dict[str, Any]:
    return {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": name, "Values": list(values)}}


def method(*values: str) -> dict[str, Any]:
    return {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": list(values)}}


def query(**pairs: str) -> dict[str, Any]:
    return {"Field": "query-string",
            "QueryStringConfig": {"Values": [{"Key": k, "Value": v} for k, v in pairs.items()]}}


def source(*cidrs: str) -> dict[str, Any]:
    return {"Field": "source-ip", "SourceIpConfig": {"Values": list(cidrs)}}


def forward(group: str) -> dict[str, Any]:
    return {"Type": "forward", "TargetGroupArn": group}


def weighted(**weights: int) -> dict[str, Any]:
    groups = [{"TargetGroupArn": name.replace("_", "-"), "Weight": w} for name, w in weights.items()]
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}


def fixed(status: int, body: str) -> dict[str, Any]:
    return {"Type": "fixed-response",
            "FixedResponseConfig": {"StatusCode": str(status), "ContentType": "text/plain", "MessageBody": body}}


def to_https(to_path: str) -> dict[str, Any]:
    """A redirect to the HTTPS listener (the usual 80 -> 443), to another path."""
    return {"Type": "redirect",
            "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "Host": "#{host}",
                               "Path": to_path, "Query": "#{query}", "StatusCode": "HTTP_301"}}


# (name, priority, conditions, action) on the HTTP:80 listener.
HTTP_RULES: list[tuple[str, int, list[dict[str, Any]], dict[str, Any]]] = [
    ("admin-office", 5, [host(ADMIN_HOST), source(OFFICE_CIDR, "198.51.100.0/24")], forward("shop-admin")),
    ("admin-elsewhere", 10, [host(ADMIN_HOST)], fixed(403, ADMIN_DENIED)),
    ("canary-header", 20, [header("X-Canary", "true"), path("/*")], fixed(200, CANARY_BODY)),
    ("tenant-api", 30, [host("*.shop.example.com"), path("/api/*", "/v?/api/*")], forward("shop-api")),
    ("order-writes", 40, [method("POST", "PUT", "DELETE"), path("/orders", "/orders/*")], forward("shop-orders")),
    ("beta-api", 50, [query(version="beta"), path("/api/*")], weighted(shop_api=80, shop_orders=20)),
    ("old-shop", 60, [path("/old-shop/*")], to_https("/shop/#{path}")),
    ("healthz", 70, [path("/healthz"), method("GET", "HEAD")], fixed(200, HEALTHZ_BODY)),
]

# The HTTPS:443 listener's own rules.
HTTPS_RULES: list[tuple[str, int, list[dict[str, Any]], dict[str, Any]]] = [
    ("admin-tls", 10, [host(ADMIN_HOST)], forward("shop-admin")),
    ("api-tls", 20, [path("/api/*"), header("X-Client", "web", "mobile")], forward("shop-api")),
]


def with_arns(action: dict[str, Any], arns: dict[str, str]) -> dict[str, Any]:
    """The action with its target group names replaced by their ARNs."""
    out = dict(action)
    if "TargetGroupArn" in out:
        out["TargetGroupArn"] = arns[out["TargetGroupArn"]]
    if "ForwardConfig" in out:
        out["ForwardConfig"] = {"TargetGroups": [
            {**g, "TargetGroupArn": arns[g["TargetGroupArn"]]} for g in out["ForwardConfig"]["TargetGroups"]]}
    return out
