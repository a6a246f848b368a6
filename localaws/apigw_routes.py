"""Which stage and which route of an HTTP API a request goes to, as API Gateway decides.

"Create routes for HTTP APIs in API Gateway" (API Gateway developer guide,
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html):

- A route key is ``METHOD /path`` or ``ANY /path`` ("use the ANY method to match all
  methods that you haven't defined for a resource"), or ``$default``, "a catch-all for
  requests that don't match any other routes".
- Path variables: ``GET /pets/{petID}`` catches ``/pets/6``; a greedy path variable
  (``{proxy+}``) "catches all child resources of a route" and "must be at the end of the
  resource path".
- Routing API requests: "API Gateway first determines which stage to route the request
  to. If the request explicitly matches a stage, API Gateway sends the request to that
  stage. If no stage fully matches the request, API Gateway sends the request to the
  $default stage. If there's no $default stage, then the API returns
  {"message":"Not Found"}". Then the route with the most-specific match, in this order:
  1. a full match for a route and method; 2. a match for a route and method with a
  greedy path variable ({proxy+}); 3. the $default route. No match: {"message":"Not Found"}.

The guide does not rank every pair; the engine's tie-breaks (docs/local-engine.md): among
full matches, a literal segment beats a path variable, leftmost first; among greedy
matches, the longer literal prefix wins; then an explicit method beats ANY. A greedy
variable catches one segment or more, never the empty path (``/{proxy+}`` does not
match ``/``, as on REST APIs' proxy resources).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

__all__ = ["DEFAULT", "select_stage", "select_route"]

DEFAULT = "$default"


def select_stage(path: str, stages: Iterable[str]) -> tuple[str, str] | None:
    """(stage name, the path the routes see) for a request path, or None: not found.
    A named stage is the first path segment (``/prod/pets`` → ``prod``, ``/pets``)."""
    names = set(stages)
    first, _, rest = path.lstrip("/").partition("/")
    if first and first != DEFAULT and first in names:
        return first, "/" + rest
    if DEFAULT in names:
        return DEFAULT, path
    return None


def select_route(method: str, path: str, route_keys: Iterable[str]) -> str | None:
    """The route key that takes ``method path`` (path without the stage), or None."""
    segments = [unquote(s) for s in path.lstrip("/").split("/")]
    best: tuple[tuple[int, ...], str] | None = None
    has_default = False
    for key in route_keys:
        if key == DEFAULT:
            has_default = True
            continue
        rank = _rank(key, method.upper(), segments)
        if rank is not None and (best is None or rank > best[0]):
            best = (rank, key)
    if best is not None:
        return best[1]
    return DEFAULT if has_default else None


def _rank(key: str, method: str, segments: list[str]) -> tuple[int, ...] | None:
    """How specific route ``key`` is for the request, higher is better; None: no match."""
    route_method, _, route_path = key.partition(" ")
    if route_method.upper() not in ("ANY", method) or not route_path.startswith("/"):
        return None
    explicit = int(route_method.upper() != "ANY")
    parts = route_path.lstrip("/").split("/")
    greedy = parts[-1].startswith("{") and parts[-1].endswith("+}")
    fixed = parts[:-1] if greedy else parts
    if greedy:
        rest = segments[len(fixed):]
        if len(segments) <= len(fixed) or not "/".join(rest):
            return None
    elif len(segments) != len(fixed):
        return None
    literal = []
    for want, got in zip(fixed, segments):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None  # a path variable takes a segment, never an empty one
            literal.append(0)
        elif want == got:
            literal.append(1)
        else:
            return None
    if greedy:
        return (1, len(fixed), *literal, explicit)
    return (2, *literal, explicit)
