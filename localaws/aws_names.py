"""The standard AWS host names, answered by the engine inside a task's network.

An AWS SDK from before ``AWS_ENDPOINT_URL`` (boto3 before 1.28, 2023; the workshop's
apps pin 1.26) ignores the variable and calls ``https://dynamodb.us-east-1.amazonaws.com``.
In a task, that name resolves to the engine and the engine answers it:

- every host name of botocore's ``endpoints.json`` for the task's region (what SDKs of
  that age build their URLs from: ``dynamodb.us-east-1.amazonaws.com``, the global
  ``sts.amazonaws.com``, ``s3.amazonaws.com``…) and ``<bucket>.s3[.<region>].amazonaws.com``
  for the buckets that exist when the task starts, are written into the task's
  ``/etc/hosts`` as ``10.0.2.2``;
- the seal (seal.py) sends the task's ``10.0.2.2:443`` to ``AwsFront``: TLS on
  127.0.0.1, a certificate for each name asked (SNI) signed by the engine's own CA,
  and behind it moto's own WSGI application (moto picks the service from the request's
  signature, as for ``AWS_ENDPOINT_URL``);
- the engine's CA is mounted over the task's system trust store
  (``/etc/ssl/certs/ca-certificates.crt``: Debian, Ubuntu, Alpine), and
  ``AWS_CA_BUNDLE`` (botocore, the AWS CLI, other SDKs) and ``NODE_EXTRA_CA_CERTS``
  (Node.js) name it, since those carry their own CA lists. The task can reach nothing
  else, so trusting only this CA costs it nothing.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import ssl
import threading
from typing import Any

# Where the engine's CA is in a task (the Debian/Alpine system bundle's path).
CA_IN_TASK = "/etc/ssl/certs/ca-certificates.crt"
SUFFIX = ".amazonaws.com"


def task_env(ca_path: str = CA_IN_TASK) -> dict[str, str]:
    """What points an SDK with its own CA list at the engine's CA."""
    return {"AWS_CA_BUNDLE": ca_path, "NODE_EXTRA_CA_CERTS": ca_path}


def _endpoints() -> dict[str, Any]:
    import botocore

    path = os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")
    with open(path) as data:
        partitions = json.load(data)["partitions"]
    return next(p for p in partitions if p["partition"] == "aws")


@functools.lru_cache(maxsize=None)
def hostnames(region: str) -> tuple[str, ...]:
    """Every service host name an SDK of the endpoints.json era builds for ``region``:
    the regional one, and the partition-wide one (``aws-global``) where there is one."""
    aws = _endpoints()
    names: set[str] = set()
    for service, info in aws["services"].items():
        endpoints = info.get("endpoints") or {}
        keys = [k for k in (region, info.get("partitionEndpoint")) if k and k in endpoints]
        for key in keys:
            template = (endpoints[key].get("hostname") or (info.get("defaults") or {}).get(
                "hostname") or aws["defaults"]["hostname"])
            names.add(template.replace("{service}", service).replace("{region}", region)
                      .replace("{dnsSuffix}", aws["dnsSuffix"]))
    return tuple(sorted(n for n in names if n.endswith(SUFFIX)))


def bucket_hostnames(region: str, buckets: list[str]) -> list[str]:
    """Virtual-hosted S3 names (the default addressing of old SDKs) for DNS-safe names."""
    names = []
    for bucket in buckets:
        if "." in bucket:  # no certificate covers them on AWS either; path style there
            continue
        names += [f"{bucket}.s3.amazonaws.com", f"{bucket}.s3.{region}.amazonaws.com"]
    return names


class Authority:
    """The engine's CA (written to ``<dir>/ca.pem``) and a leaf certificate per host name,
    made when a client first asks for that name."""

    def __init__(self, directory: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._cert = self._sign("mysfits local engine CA", self._key.public_key(), None)
        self.ca_path = os.path.join(directory, "ca.pem")
        with open(self.ca_path, "wb") as out:
            out.write(self._pem(self._cert))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.default = self.context("aws" + SUFFIX)
        self.default.sni_callback = self._sni

    @staticmethod
    def _pem(cert: Any) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return cert.public_bytes(serialization.Encoding.PEM)

    def _sign(self, name: str, public_key: Any, host: str | None) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        now = datetime.datetime.now(datetime.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ca = host is None
        builder = (x509.CertificateBuilder()
                   .subject_name(subject)
                   .issuer_name(subject if ca else self._cert.subject)
                   .public_key(public_key)
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=ca,
                                                crl_sign=ca, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, encipher_only=False,
                                                decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                                  critical=False))
        if not ca:
            builder = (builder
                       .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]),
                                      critical=False)
                       .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                      critical=False)
                       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                           self._key.public_key()), critical=False))
        return builder.sign(self._key, hashes.SHA256())

    def context(self, host: str) -> ssl.SSLContext:
        """A server context whose certificate names ``host``."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        with self._lock:
            if host in self._contexts:
                return self._contexts[host]
            key = ec.generate_private_key(ec.SECP256R1())
            cert = self._sign(host, key.public_key(), host)
            path = os.path.join(self.dir, f"{host}.pem")
            with open(path, "wb") as out:
                out.write(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
                out.write(self._pem(cert))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(path)
            self._contexts[host] = context
            return context

    def _sni(self, sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        # Only AWS's names get a certificate; any other name gets the default one,
        # which the client refuses, as it would refuse a stranger's.
        if name and name.endswith(SUFFIX) and len(name) <= 253:
            sock.context = self.context(name.lower())


class AwsFront:
    """HTTPS on 127.0.0.1 for the AWS host names, served by moto's own application."""

    def __init__(self, directory: str, host: str = "127.0.0.1") -> None:
        from moto.moto_server.werkzeug_app import (DomainDispatcherApplication,
                                                   MotoRequestHandler, create_backend_app)
        from werkzeug.serving import make_server

        self.authority = Authority(directory)
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(host, 0, app, threaded=True, request_handler=MotoRequestHandler,
                                   ssl_context=self.authority.default)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-front",
                                        daemon=True)

    @property
    def ca_path(self) -> str:
        return self.authority.ca_path

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
