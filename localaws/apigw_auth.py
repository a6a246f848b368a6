"""An HTTP API's JWT authorizer, as API Gateway runs it.

"Control access to HTTP APIs with JWT authorizers in API Gateway"
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html),
"Authorizing API requests with a JWT authorizer":
1. "Check the identitySource for a token. The identitySource can include only the token,
   or the token prefixed with Bearer."
2. "Decode the token."
3. "Check the token's algorithm and signature by using the public key that is fetched
   from the issuer's jwks_uri. Currently, only RSA-based algorithms are supported."
4. "Validate claims": ``kid`` (a key of the jwks_uri), ``iss`` (the authorizer's issuer),
   ``aud`` or ``client_id`` (one of its audience entries; "API Gateway validates client_id
   only if aud is not present. When both aud and client_id are present, API Gateway
   evaluates aud" — "Troubleshooting issues with HTTP API JWT authorizers"), ``exp``
   (after now), ``nbf`` and ``iat`` (before now), ``scope``/``scp`` (one of the route's
   authorizationScopes, when it has any).
"If any of these steps fail, API Gateway denies the API request", with 401
``{"message":"Unauthorized"}`` and a ``www-authenticate: Bearer scope="" error="invalid_token"
error_description="…"`` header (the troubleshooting page). ``token_use`` is not a claim
API Gateway checks ("There is no standard mechanism to differentiate JWT access tokens
from other types of JWTs"): a Cognito ID token (``aud``) and access token (``client_id``)
both pass.

The keys: the issuer's OIDC discovery document (``<issuer>/.well-known/openid-configuration``)
names its ``jwks_uri``; both are fetched over HTTP, only ever from 127.0.0.1 (``KeySource``).
A Cognito issuer, ``https://cognito-idp.<region>.amazonaws.com/<pool id>``, is the engine's
own moto server, which serves both documents on its port for any pool id.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["Authorizer", "KeySource", "Unauthorized", "authorize", "token_from", "www_authenticate"]

# "Currently, only RSA-based algorithms are supported."
_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
# AWS: "API Gateway can cache the public key for two hours"; a kid it has not seen makes
# it fetch the key set again.
KEY_CACHE_S = 2 * 3600.0
FETCH_TIMEOUT_S = 5.0


class Unauthorized(Exception):
    """The request is denied: 401 {"message":"Unauthorized"}; str(self) is the
    www-authenticate error_description (None: no token at all)."""

    def __init__(self, description: str | None):
        super().__init__(description or "no token")
        self.description = description


@dataclass(frozen=True)
class Authorizer:
    """What moto holds for a JWT authorizer (CreateAuthorizer), as the check needs it."""

    issuer: str
    audience: tuple[str, ...]
    identity_source: tuple[str, ...]

    @staticmethod
    def of(moto_authorizer: Any) -> Authorizer:
        config = moto_authorizer.jwt_config or {}
        sources = moto_authorizer.identity_source or ["$request.header.Authorization"]
        if isinstance(sources, str):
            sources = [s.strip() for s in sources.split(",")]
        return Authorizer(issuer=str(config.get("Issuer") or config.get("issuer") or ""),
                          audience=tuple(config.get("Audience") or config.get("audience") or ()),
                          identity_source=tuple(sources))


def token_from(headers: Mapping[str, str], query: str, identity_source: tuple[str, ...]) -> str | None:
    """The token the identity source names, without a ``Bearer`` prefix; None if absent."""
    params = parse_qs(query, keep_blank_values=True)
    for source in identity_source:
        value = None
        if source.lower().startswith("$request.header."):
            value = headers.get(source[len("$request.header."):])
        elif source.lower().startswith("$request.querystring."):
            value = (params.get(source[len("$request.querystring."):]) or [None])[0]
        if value is None:
            continue
        value = value.strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return value or None
    return None


class KeySource:
    """The signing keys of an issuer, by kid, fetched through its discovery document and
    cached. ``resolve`` maps a URL to the loopback URL that serves it, or None: the engine
    fetches nothing from anywhere else."""

    def __init__(self, resolve: Callable[[str], str | None], cache_s: float = KEY_CACHE_S):
        self.resolve = resolve
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[float, dict[str, dict[str, Any]]]] = {}

    def key(self, issuer: str, kid: str) -> dict[str, Any] | None:
        with self._lock:
            cached = self._keys.get(issuer)
        fresh = cached is not None and time.monotonic() - cached[0] < self.cache_s
        if not fresh or kid not in cached[1]:  # type: ignore[index]
            keys = self._fetch(issuer)
            with self._lock:
                self._keys[issuer] = (time.monotonic(), keys)
        else:
            keys = cached[1]  # type: ignore[index]
        return keys.get(kid)

    def _fetch(self, issuer: str) -> dict[str, dict[str, Any]]:
        try:
            discovery = self._get(issuer.rstrip("/") + "/.well-known/openid-configuration")
            jwks = self._get(str(discovery["jwks_uri"]))
            return {str(k.get("kid")): k for k in jwks.get("keys", []) if isinstance(k, dict)}
        except (OSError, ValueError, KeyError, TypeError):
            return {}  # unreachable or not an issuer: no key, so every token is refused

    def _get(self, url: str) -> dict[str, Any]:
        local = self.resolve(url)
        if local is None:
            raise OSError(f"{url} is not served on this machine")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(local, timeout=FETCH_TIMEOUT_S) as response:
            return json.loads(response.read())


def authorize(token: str | None, authorizer: Authorizer, keys: KeySource,
              scopes: list[str] | None = None, now: float | None = None) -> dict[str, Any]:
    """The token's claims, or Unauthorized."""
    if not token:
        raise Unauthorized(None)
    parts = token.split(".")
    if len(parts) != 3:
        raise Unauthorized("token contains an invalid number of segments")
    try:
        header, claims = json.loads(_b64(parts[0])), json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized("the token could not be decoded") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Unauthorized("the token could not be decoded")
    alg = header.get("alg")
    if alg not in _HASHES:
        raise Unauthorized(f"signing method {alg} is invalid")
    jwk = keys.key(authorizer.issuer, str(header.get("kid")))
    if jwk is None:
        raise Unauthorized("the key id of the token is not one of the issuer's keys")
    try:
        public = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        public.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), _HASHES[alg]())
    except (InvalidSignature, KeyError, ValueError):
        raise Unauthorized("the token signature is invalid") from None
    if claims.get("iss") != authorizer.issuer:
        raise Unauthorized("the token does not have a valid issuer")
    aud = claims.get("aud") if "aud" in claims else claims.get("client_id")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(a in authorizer.audience for a in auds):
        raise Unauthorized("the token does not have a valid audience")
    now = time.time() if now is None else now
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
        raise Unauthorized("the token has expired")
    if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now:
        raise Unauthorized("the token is not valid yet")
    if isinstance(claims.get("iat"), (int, float)) and claims["iat"] > now:
        raise Unauthorized("the token was issued in the future")
    if scopes:
        held = str(claims.get("scope") or claims.get("scp") or "").split()
        if not set(held) & set(scopes):
            raise Unauthorized("the token does not have a valid scope")
    return claims


def www_authenticate(error: Unauthorized) -> str | None:
    if error.description is None:
        return None
    return f'Bearer scope="" error="invalid_token" error_description="{error.description}"'


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _int(part: str) -> int:
    return int.from_bytes(_b64(part), "big")
