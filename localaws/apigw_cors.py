"""An HTTP API's CORS configuration, as API Gateway applies it.

"Configure CORS for HTTP APIs in API Gateway"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html):
"If you configure CORS for an API, API Gateway automatically sends a response to preflight
OPTIONS requests, even if there isn't an OPTIONS route configured for your API. For a
CORS request, API Gateway adds the configured CORS headers to the response from an
integration." "If you configure CORS for an API, API Gateway ignores CORS headers
returned from your backend integration." "To return CORS headers, your request must
contain an origin header. For the OPTIONS method, your request must contain an origin
header and an Access-Control-Request-Method header." The properties: allowOrigins,
allowCredentials, exposeHeaders, maxAge, allowMethods, allowHeaders (``*`` allowed in
origins, methods and headers).

The engine's reading where the guide says no more: the CORS headers also go on the
answers API Gateway makes itself (401, 404), so a page can read them; a preflight from
an origin not allowed is answered 204 without CORS headers (the browser then refuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_preflight", "preflight_headers", "response_headers", "strip"]


def _list(cors: Mapping[str, Any], name: str) -> list[str]:
    return [str(v) for v in cors.get(name) or []]


def _origin(cors: Mapping[str, Any], origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for ``origin``, or None: not allowed."""
    if not origin:
        return None
    allowed = _list(cors, "allowOrigins")
    if "*" in allowed and not cors.get("allowCredentials"):
        return "*"
    lowered = [a.lower().rstrip("/") for a in allowed]
    return origin if origin.lower().rstrip("/") in lowered or "*" in allowed else None


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return method == "OPTIONS" and bool(headers.get("Origin")) and bool(
        headers.get("Access-Control-Request-Method"))


def preflight_headers(cors: Mapping[str, Any], headers: Mapping[str, str]) -> list[tuple[str, str]]:
    origin = _origin(cors, headers.get("Origin"))
    if origin is None:
        return []
    out = [("Access-Control-Allow-Origin", origin)]
    methods = _list(cors, "allowMethods")
    if methods:
        wanted = headers.get("Access-Control-Request-Method") or ""
        out.append(("Access-Control-Allow-Methods", wanted if "*" in methods else ",".join(methods)))
    allow_headers = _list(cors, "allowHeaders")
    if allow_headers:
        wanted = headers.get("Access-Control-Request-Headers") or ""
        out.append(("Access-Control-Allow-Headers", wanted if "*" in allow_headers else ",".join(allow_headers)))
    if cors.get("maxAge") is not None:
        out.append(("Access-Control-Max-Age", str(cors["maxAge"])))
    if cors.get("allowCredentials"):
        out.append(("Access-Control-Allow-Credentials", "true"))
    return out


def response_headers(cors: Mapping[str, Any], headers: Mapping[str, str]) -> list[tuple[str, str]]:
    origin = _origin(cors, headers.get("Origin"))
    if origin is None:
        return []
    out = [("Access-Control-Allow-Origin", origin)]
    if _list(cors, "exposeHeaders"):
        out.append(("Access-Control-Expose-Headers", ",".join(_list(cors, "exposeHeaders"))))
    if cors.get("allowCredentials"):
        out.append(("Access-Control-Allow-Credentials", "true"))
    return out


def strip(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The integration's own CORS headers, which API Gateway ignores."""
    return [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
