"""TLS for HTTPS listeners: the listener's default certificate and its private key, read
from moto's ACM (or IAM server certificates) when a connection arrives, as an
``ssl.SSLContext`` the listener's server wraps the connection with.

Read per connection, not per listener, so ModifyListener (protocol, certificate) and an
imported certificate re-imported under its ARN take effect on the next connection; the
contexts are cached by the PEM they were made from.

moto 5.2.5 storage this relies on:
- elbv2 FakeListener: `.protocol` ("HTTP"/"HTTPS"), `.certificate` (the default
  certificate's ARN), `.certificates` (its list; the first is the default).
- acm `acm_backends[account][region]._certificates[arn]`: CertBundle with `.cert`,
  `.key` (PEM bytes; moto keeps a key for imported and requested certificates alike)
  and `.chain` (the imported chain, then moto's `AWS_ROOT_CA`).
- iam `iam_backends[account][partition].get_certificate_by_arn(arn)`: `.cert_body`,
  `.private_key`, `.cert_chain` (str).
"""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile
import threading
from typing import Any

__all__ = ["TlsUnavailable", "listener_context"]


class TlsUnavailable(Exception):
    """An HTTPS listener that cannot be served: the reason, said as a sentence's end."""


_cache: dict[str, ssl.SSLContext] = {}
_cache_lock = threading.Lock()


def listener_context(account_id: str, region: str, listener: Any) -> ssl.SSLContext | None:
    """The TLS context for a listener: None for HTTP; raises TlsUnavailable for an HTTPS
    listener whose default certificate is not in ACM or IAM, or has no private key."""
    if str(listener.protocol or "").upper() != "HTTPS":
        return None
    certs = list(getattr(listener, "certificates", None) or [])
    arn = getattr(listener, "certificate", None) or (certs[0] if certs else None)
    if not arn:
        raise TlsUnavailable("it has no certificate")
    cert, key, chain = _pem(account_id, region, arn)
    if not key:
        raise TlsUnavailable(f"its certificate {arn} has no private key")
    digest = hashlib.sha256(b"\0".join((cert, key, chain))).hexdigest()
    with _cache_lock:
        ctx = _cache.get(digest)
        if ctx is None:
            try:
                ctx = _cache[digest] = _context(cert + b"\n" + chain, key)
            except (ssl.SSLError, ValueError) as exc:
                raise TlsUnavailable(f"its certificate {arn} cannot be loaded: {exc}") from exc
    return ctx


def _pem(account_id: str, region: str, arn: str) -> tuple[bytes, bytes, bytes]:
    """(certificate, private key, chain) as PEM bytes; the chain may be empty."""
    if ":iam:" in arn:
        from moto.iam.models import iam_backends
        from moto.utilities.utils import get_partition

        found = iam_backends[account_id][get_partition(region)].get_certificate_by_arn(arn)
        if found is None:
            raise TlsUnavailable(f"its certificate {arn} is not in IAM (server certificates)")
        return (_b(found.cert_body), _b(found.private_key), _b(found.cert_chain))
    from moto.acm.models import AWS_ROOT_CA, acm_backends

    bundle = acm_backends[account_id][region]._certificates.get(arn)
    if bundle is None:
        raise TlsUnavailable(f"its certificate {arn} is not in ACM")
    # moto appends a stand-in Amazon root to every chain; it signed nothing served here.
    chain = _b(bundle.chain).replace(AWS_ROOT_CA, b"").strip()
    return _b(bundle.cert), _b(bundle.key), chain


def _b(value: Any) -> bytes:
    if not value:
        return b""
    return value if isinstance(value, bytes) else str(value).encode()


def _context(chain_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # TLS 1.2 and 1.3, as AWS's recommended policy ELBSecurityPolicy-TLS13-1-2-2021-06.
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])  # no HTTP/2 here
    # load_cert_chain reads files only: a private directory, removed at once.
    with tempfile.TemporaryDirectory(prefix="localaws-tls-") as tmp:
        cert_path, key_path = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        for path, data in ((cert_path, chain_pem), (key_path, key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        ctx.load_cert_chain(cert_path, key_path)
    return ctx
