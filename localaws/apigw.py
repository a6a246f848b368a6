"""The data plane of API Gateway HTTP APIs: each one served on 127.0.0.1, by its live
routes, authorizers and integrations.

moto keeps apigatewayv2 state (APIs, routes, authorizers, integrations, stages, VPC
links) but serves no traffic. Here every HTTP API (CreateApi, ``ProtocolType: HTTP``)
gets a ThreadingHTTPServer on a port of its own from the moment it exists; its
``ApiEndpoint`` is ``http://<api id>.execute-api.localhost:<port>`` (AWS:
``https://<api id>.execute-api.<region>.amazonaws.com``) and it carries the tag
``localaws:port``. Each request, read live from moto as the load balancer reads its rules:

1. the stage and the route (``apigw_routes.py``), else 404 ``{"message":"Not Found"}``;
2. the route's JWT authorizer, when ``authorizationType`` is ``JWT`` (``apigw_auth.py``),
   else 401 ``{"message":"Unauthorized"}``;
3. its integration. ``HTTP_PROXY`` over a VPC link to an Application Load Balancer
   listener ("Create private integrations for HTTP APIs": ``connectionType`` ``VPC_LINK``,
   ``integrationUri`` the listener's ARN) goes to the port the engine serves that listener
   on (``alb.py``); an ``HTTP_PROXY`` whose URI is a loopback URL goes there. Method,
   path, query string, headers and body are kept; "In a private integration, API Gateway
   includes the stage portion of the API endpoint in the request to your backend
   resources" (a request to stage ``test`` sends ``/test/path``), unless the integration's
   parameter mapping overwrites the path (``overwrite:path``, e.g. ``$request.path``).

With a CORS configuration, preflights are answered and CORS headers added
(``apigw_cors.py``).

moto 5.2.5 storage this relies on (moto/apigatewayv2/models.py): ``backend.apis[id]``
an ``Api`` with ``.protocol_type``, ``.routes`` {id: Route(.route_key, .target
"integrations/<id>", .authorization_type, .authorizer_id, .authorization_scopes)},
``.authorizers`` {id: Authorizer(.jwt_config, .identity_source)}, ``.integrations``
{id: Integration(.integration_type, .connection_type, .integration_uri,
.request_parameters, .timeout_in_millis)}, ``.stages`` {name: Stage}.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import apigw_auth, apigw_cors, apigw_routes
from .alb_rules import snapshot
from .patches import Patching

if TYPE_CHECKING:
    from .alb import AlbDataPlane

__all__ = ["ApiGateway", "PORT_TAG", "SUFFIX", "apply"]

HOST = "127.0.0.1"
PORT_TAG = "localaws:port"
SUFFIX = ".execute-api.localhost"
# An HTTP API's integration timeout when the integration sets none (the maximum, 30 s).
INTEGRATION_TIMEOUT_MS = 30000
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                         "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                         "expect", "content-length", "host"})


class ApiGateway:
    """One 127.0.0.1 HTTP server per moto HTTP API."""

    def __init__(self, alb: AlbDataPlane, keys: apigw_auth.KeySource,
                 log: Callable[[str], None] = lambda m: None, verbose: bool = False):
        self.alb = alb
        self.keys = keys
        self.log = log
        self.verbose = verbose
        self._lock = threading.Lock()
        self._servers: dict[str, tuple[_ApiServer, threading.Thread]] = {}

    @staticmethod
    def backend(account_id: str, region: str) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        return apigatewayv2_backends[account_id][region]

    def start(self, account_id: str, region: str, api_id: str) -> int:
        with self._lock:
            if api_id not in self._servers:
                server = _ApiServer(self, account_id, region, api_id)
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                          name=f"apigw:{api_id}", daemon=True)
                thread.start()
                self._servers[api_id] = (server, thread)
            return self._servers[api_id][0].server_address[1]

    def port(self, api_id: str) -> int | None:
        with self._lock:
            entry = self._servers.get(api_id)
            return entry[0].server_address[1] if entry else None

    def stop(self, api_id: str) -> None:
        with self._lock:
            entry = self._servers.pop(api_id, None)
        if entry is not None:
            entry[0].shutdown()
            entry[0].server_close()
            entry[1].join(5)

    def stop_all(self) -> None:
        with self._lock:
            ids = list(self._servers)
        for api_id in ids:
            self.stop(api_id)


def cognito_resolver(aws_port: Callable[[], int | None]) -> Callable[[str], str | None]:
    """Where the engine fetches an issuer's documents: a Cognito issuer's
    (``https://cognito-idp.<region>.amazonaws.com/...``) from its own moto server, which
    serves ``/<pool id>/.well-known/{openid-configuration,jwks.json}``; a loopback URL as
    it is; anything else nowhere (None)."""

    def resolve(url: str) -> str | None:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host.startswith("cognito-idp.") and host.endswith(".amazonaws.com"):
            port = aws_port()
            return f"http://{HOST}:{port}{parts.path}" if port else None
        return url if _loopback(host) else None

    return resolve


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, gateway: ApiGateway, account_id: str, region: str, api_id: str):
        self.gateway, self.account_id, self.region, self.api_id = gateway, account_id, region, api_id
        super().__init__((HOST, 0), _Handler)

    def api(self) -> Any:
        return self.gateway.backend(self.account_id, self.region).apis.get(self.api_id)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ApiServer
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        self.cors: dict[str, Any] | None = None  # the API's CORS configuration, once read
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            code, what = self._route(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as exc:  # a bug or moto state we do not understand: say so, keep serving
            self.server.gateway.log(f"apigw: {self.command} {self.path}: {type(exc).__name__}: {exc}")
            code, what = self._message(500, "Internal Server Error"), "error"
        if self.server.gateway.verbose:
            self.server.gateway.log(f"apigw {self.server.api_id}: {self.command} {self.path} -> {what} {code}")

    def _route(self, body: bytes) -> tuple[int, str]:
        api = self.server.api()
        if api is None:
            return self._message(404, "Not Found"), "no-api"
        self.cors = getattr(api, "cors_configuration", None) or None
        if self.cors and apigw_cors.is_preflight(self.command, self.headers):
            allowed, self.cors = apigw_cors.preflight_headers(self.cors, self.headers), None
            self._reply(204, allowed, b"")
            return 204, "cors preflight"
        target = urlsplit(self.path)
        stage = apigw_routes.select_stage(target.path, [s.name for s in snapshot(lambda: api.stages)])
        if stage is None:
            return self._message(404, "Not Found"), "no-stage"
        routes = {r.route_key: r for r in snapshot(lambda: api.routes)}
        key = apigw_routes.select_route(self.command, stage[1], routes)
        if key is None:
            return self._message(404, "Not Found"), "no-route"
        route = routes[key]
        if (route.authorization_type or "NONE").upper() == "JWT":
            moto_authorizer = api.authorizers.get(route.authorizer_id or "")
            if moto_authorizer is None:
                return self._message(500, "Internal Server Error"), f"{key}: no authorizer"
            authorizer = apigw_auth.Authorizer.of(moto_authorizer)
            token = apigw_auth.token_from(self.headers, target.query, authorizer.identity_source)
            try:
                apigw_auth.authorize(token, authorizer, self.server.gateway.keys,
                                     list(route.authorization_scopes or []))
            except apigw_auth.Unauthorized as denied:
                challenge = apigw_auth.www_authenticate(denied)
                extra = [("www-authenticate", challenge)] if challenge else []
                return self._message(401, "Unauthorized", extra), f"{key}: {denied}"
        integration_id = (route.target or "").rpartition("/")[2]
        integration = api.integrations.get(integration_id)
        if integration is None:
            return self._message(404, "Not Found"), f"{key}: no integration"
        where = self._upstream(integration)
        if where is None:
            return self._message(500, "Internal Server Error"), f"{key}: integration not served"
        path = _mapped_path(integration, target.path, stage[1])
        upstream = path + (f"?{target.query}" if target.query else "")
        return self._forward(where, upstream, body, integration), f"{key} -> {where[0]}:{where[1]}{upstream}"

    def _upstream(self, integration: Any) -> tuple[str, int] | None:
        if (getattr(integration, "integration_type", "") or "").upper() != "HTTP_PROXY":
            return None  # Lambda and AWS service integrations are not served here
        uri = getattr(integration, "integration_uri", "") or ""
        if (getattr(integration, "connection_type", "") or "").upper() == "VPC_LINK":
            port = self.server.gateway.alb.listener_port(uri) if ":listener/" in uri else None
            return (HOST, port) if port else None
        parts = urlsplit(uri)
        if parts.scheme == "http" and _loopback(parts.hostname or ""):
            return HOST, parts.port or 80
        return None  # only 127.0.0.1 is ever a traffic target

    def _forward(self, where: tuple[str, int], path: str, body: bytes, integration: Any) -> int:
        timeout = int(getattr(integration, "timeout_in_millis", None) or INTEGRATION_TIMEOUT_MS) / 1000
        conn = http.client.HTTPConnection(*where, timeout=timeout)
        try:
            conn.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in _HOP_BY_HOP:
                    conn.putheader(k, v)
            conn.putheader("Host", self.headers.get("Host") or f"{HOST}:{where[1]}")
            if body or self.command in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body or None)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            # AWS's answer when the integration cannot be reached or times out.
            return self._message(503, "Service Unavailable")
        finally:
            conn.close()
        headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
        self._reply(resp.status, headers, data)
        return resp.status

    def _message(self, code: int, message: str, extra: list[tuple[str, str]] | None = None) -> int:
        body = json.dumps({"message": message}, separators=(",", ":")).encode()
        self._reply(code, [("Content-Type", "application/json"), *(extra or [])], body)
        return code

    def _reply(self, code: int, headers: list[tuple[str, str]], body: bytes) -> None:
        if self.cors:
            headers = apigw_cors.strip(headers) + apigw_cors.response_headers(self.cors, self.headers)
        self.send_response_only(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("apigw-requestid", secrets.token_urlsafe(12))
        no_body = self.command == "HEAD" or code in (204, 304) or code < 200
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body:
            self.wfile.write(body)


def _mapped_path(integration: Any, path: str, route_path: str) -> str:
    """The path sent on: as requested (stage included), or the integration's
    ``overwrite:path`` with ``$request.path`` (the path without the stage) filled in."""
    mapping = (getattr(integration, "request_parameters", None) or {}).get("overwrite:path")
    if not mapping:
        return path or "/"
    return mapping.replace("$request.path", route_path)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def apply(patching: Patching, gateway: ApiGateway) -> None:
    """Every HTTP API is served from the moment it exists, at its ApiEndpoint
    (``http://<api id>.execute-api.localhost:<port>``) and tagged ``localaws:port``;
    DeleteApi stops it."""
    from moto.apigatewayv2.models import ApiGatewayV2Backend

    saved = {name: getattr(ApiGatewayV2Backend, name) for name in ("create_api", "delete_api")}

    def create_api(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        api = saved["create_api"](self, *args, **kwargs)
        if (api.protocol_type or "").upper() == "HTTP":
            port = gateway.start(self.account_id, self.region_name, api.api_id)
            api.api_endpoint = f"http://{api.api_id}{SUFFIX}:{port}"
            self.tag_resource(api.arn, {PORT_TAG: str(port)})
        return api

    def delete_api(self, api_id):  # type: ignore[no-untyped-def]
        result = saved["delete_api"](self, api_id)
        gateway.stop(api_id)
        return result

    patching.replace(ApiGatewayV2Backend, "create_api", create_api)
    patching.replace(ApiGatewayV2Backend, "delete_api", delete_api)
    patching.note(f"API Gateway: each HTTP API served on 127.0.0.1 at http://<api id>{SUFFIX}:<port> "
                  f"(ApiEndpoint, tag {PORT_TAG}): routes, JWT authorizers, VPC-link integrations "
                  "to the load balancers' listeners")
