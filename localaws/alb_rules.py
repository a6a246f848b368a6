"""What an ALB listener rule means: its conditions matched against a request (path,
host, header, method, query string, source IP; ``*`` and ``?`` wildcards), the order
rules are evaluated in, and the actions a rule takes. Pure functions of moto's rule
objects and the request; the HTTP side is ``alb_proxy.py``.

moto 5.2.5 storage this relies on (moto/elbv2/models.py):
- `FakeListener.rules` : property returning a fresh OrderedDict of the non-default rules
  (`FakeListenerRule`, in insertion order, not priority order) followed by the default
  rule (`FakeRule`, `is_default=True`, `priority == "default"`, no conditions).
- rule `.priority` : int from the API, possibly str (CloudFormation); `.conditions` : the
  request's dicts as sent (`Field`, `Values`, `PathPatternConfig`, `HostHeaderConfig`,
  `HttpHeaderConfig`, `HttpRequestMethodConfig`, `QueryStringConfig`, `SourceIpConfig`).
- rule `.actions` : [FakeAction]; `.data` is the request's dict (`Type`, `Order`,
  `TargetGroupArn`, `ForwardConfig.TargetGroups[{TargetGroupArn, Weight}]` with Weight
  defaulted to 1, `FixedResponseConfig`, `RedirectConfig`).
"""

from __future__ import annotations

import http.client
import ipaddress
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

__all__ = ["Request", "TERMINAL_ACTIONS", "condition_matches", "forwarded_groups", "priority_key",
           "snapshot", "sorted_actions", "wildcard_match"]

TERMINAL_ACTIONS = ("forward", "fixed-response", "redirect")


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


class Request:
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


def condition_matches(cond: dict[str, Any], req: Request) -> bool:
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


def priority_key(rule: Any) -> tuple[int, int]:
    if getattr(rule, "is_default", False) or rule.priority == "default":
        return (2, 0)
    try:
        return (0, int(rule.priority))
    except (TypeError, ValueError):
        return (1, 0)  # unparseable priority: after every numbered rule, before default


def snapshot(get: Callable[[], dict[Any, Any]]) -> list[Any]:
    # moto mutates these dicts from API threads; retry the rare "changed size during
    # iteration" (listener.rules itself iterates a live dict, hence the callable).
    for _ in range(5):
        try:
            return list(get().values())
        except RuntimeError:
            continue
    return list(get().values())


def sorted_actions(actions: list[Any]) -> list[dict[str, Any]]:
    datas = [a.data if hasattr(a, "data") else a for a in actions]
    return sorted(datas, key=lambda d: int(d.get("Order") or 50001))


def forwarded_groups(action: dict[str, Any]) -> list[str]:
    if action.get("Type") != "forward":
        return []
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    arns = [g["TargetGroupArn"] for g in groups if g.get("TargetGroupArn")]
    return arns or ([action["TargetGroupArn"]] if action.get("TargetGroupArn") else [])
