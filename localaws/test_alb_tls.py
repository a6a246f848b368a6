"""HTTPS listeners served with TLS: the certificate imported into moto's ACM, real TLS on
127.0.0.1, the same routing as on HTTP, and the 80 -> 443 redirect landing on the TLS port.

Run: .venv/bin/python -m pytest localaws/test_alb_tls.py -q
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import os
import socket
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws.alb import PORT_TAG, AlbDataPlane, apply  # noqa: E402
from localaws.patches import Patching  # noqa: E402
from localaws.test_alb import REGION, TIMEOUT, FakeDirectory, Lab, call, path  # noqa: E402

TEAPOT = {"Type": "fixed-response",
          "FixedResponseConfig": {"StatusCode": "418", "ContentType": "text/plain", "MessageBody": "teapot"}}
AWS_REFUSES = (" (on AWS the call that led here is refused: an HTTPS listener's certificate must exist, "
               "with its key, as long as the listener uses it)")


def self_signed(host: str) -> tuple[bytes, bytes]:
    """(certificate, key) PEM: self-signed, CN and SAN the host, SAN also 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class TlsLab:
    def __init__(self, lab: Lab, plane: AlbDataPlane, warnings: list[str]) -> None:
        self.lab, self.plane, self.warnings = lab, plane, warnings
        kw = dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        self.acm = boto3.client("acm", **kw)
        lb = lab.elb.describe_load_balancers(LoadBalancerArns=[lab.lb])["LoadBalancers"][0]
        self.host = lb["DNSName"].rsplit(":", 1)[0]
        self.cert_pem, key_pem = self_signed(self.host)
        self.cert_arn = self.acm.import_certificate(Certificate=self.cert_pem, PrivateKey=key_pem)["CertificateArn"]
        # Trusts the test certificate only, and checks the name as any client does.
        self.trust = ssl.create_default_context(cadata=self.cert_pem.decode())

    def listener(self, protocol: str, port: int, action: dict[str, Any], cert: str | None = None) -> str:
        kw: dict[str, Any] = {"Certificates": [{"CertificateArn": cert}]} if cert else {}
        return self.lab.elb.create_listener(LoadBalancerArn=self.lab.lb, Protocol=protocol, Port=port,
                                            DefaultActions=[action], **kw)["Listeners"][0]["ListenerArn"]

    def port_tag(self, arn: str) -> int | None:
        tags = self.lab.elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
        value = {t["Key"]: t["Value"] for t in tags}.get(PORT_TAG)
        return int(value) if value else None

    def https(self, port: int, target: str, context: ssl.SSLContext | None = None) -> tuple[int, Any, bytes]:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context or self.trust)
        return call(port, "GET", target, conn=conn)


@pytest.fixture(scope="module")
def tls() -> Iterator[TlsLab]:
    with mock_aws():
        directory = FakeDirectory()
        warnings: list[str] = []
        plane = AlbDataPlane(directory, target_timeout=TIMEOUT, warn=warnings.append)
        patching = Patching(engine=True)
        apply(patching, plane)
        lab = Lab()  # its load balancer is served from here on (the patch above)
        lab.dir = directory
        try:
            lab.group("tg-a", ("a1", "healthy"))
            t = TlsLab(lab, plane, warnings)
            lab.listener = t.listener("HTTPS", 443, lab.fwd("tg-a"), t.cert_arn)
            lab.rule(1, path("/fixed"), TEAPOT)
            yield t
        finally:
            patching.restore()
            plane.stop_all()
            for srv in lab.servers.values():
                srv.shutdown()
                srv.server_close()


def test_https_listener_answers_over_tls(tls: TlsLab) -> None:
    port = tls.port_tag(tls.lab.listener)
    assert port is not None and port == tls.plane.listener_port(tls.lab.listener)
    status, headers, body = tls.https(port, "/mysfits?x=1")
    assert (status, headers["x-mysfits-target-group"]) == (200, "tg-a")
    got = json.loads(body)
    assert got["path"] == "/mysfits?x=1"
    sent = {k.lower(): v for k, v in got["headers"]}
    assert sent["x-forwarded-proto"] == "https" and sent["x-forwarded-port"] == str(port)
    assert tls.https(port, "/fixed")[::2] == (418, b"teapot")
    # The DNS name's port serves the lowest listener, this one: with TLS too.
    front = tls.plane.port(tls.lab.lb)
    assert front is not None and tls.https(front, "/fixed")[::2] == (418, b"teapot")
    # Plain HTTP to it gets no answer; a client that does not trust the certificate fails.
    with pytest.raises((http.client.HTTPException, OSError)):
        call(port, "GET", "/fixed")
    with pytest.raises(ssl.SSLCertVerificationError):
        tls.https(port, "/fixed", ssl.create_default_context())
    # The certificate served is the one imported into ACM.
    with socket.create_connection(("127.0.0.1", port)) as raw, tls.trust.wrap_socket(raw, server_hostname=tls.host) as s:
        served = ssl.DER_cert_to_PEM_cert(s.getpeercert(binary_form=True) or b"")
    assert x509.load_pem_x509_certificate(served.encode()) == x509.load_pem_x509_certificate(tls.cert_pem)
    assert not [w for w in tls.warnings if tls.lab.listener in w]


def test_http_redirect_to_443_lands_on_the_tls_port(tls: TlsLab) -> None:
    to_https = {"Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    http80 = tls.listener("HTTP", 80, to_https)
    port80, port443 = tls.port_tag(http80), tls.port_tag(tls.lab.listener)
    assert port80 is not None and port443 is not None
    status, headers, _ = call(port80, "GET", "/a/b?c=1", {"Host": f"{tls.host}:{port80}"})
    assert (status, headers["Location"]) == (301, f"https://{tls.host}:{port443}/a/b?c=1")
    # Followed by a client, by the DNS name: the request completes over TLS, routed as there.
    with urllib.request.urlopen(f"http://{tls.host}:{port80}/mysfits?x=1", context=tls.trust, timeout=10) as r:
        assert (r.status, r.url) == (200, f"https://{tls.host}:{port443}/mysfits?x=1")
        assert r.headers["x-mysfits-target-group"] == "tg-a"
        sent = {k.lower(): v for k, v in json.loads(r.read())["headers"]}
    assert sent["x-forwarded-proto"] == "https"
    with pytest.raises(urllib.error.HTTPError) as teapot:
        urllib.request.urlopen(f"http://{tls.host}:{port80}/fixed", context=tls.trust, timeout=10)
    assert (teapot.value.code, teapot.value.read()) == (418, b"teapot")
    tls.lab.elb.delete_listener(ListenerArn=http80)


def test_certificate_missing_or_gone_is_not_served(tls: TlsLab) -> None:
    elb = tls.lab.elb
    # An ACM certificate that does not exist: refused at CreateListener, as AWS does.
    nowhere = tls.cert_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as refused:
        tls.listener("HTTPS", 8443, tls.lab.fwd("tg-a"), nowhere)
    assert "CertificateNotFound" in refused.value.response["Error"]["Code"]
    # An IAM server certificate that does not exist: moto takes it; nothing is served.
    iam_arn = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:server-certificate/nowhere"
    arn = tls.listener("HTTPS", 8443, tls.lab.fwd("tg-a"), iam_arn)
    assert tls.port_tag(arn) is None and tls.plane.listener_port(arn) is None
    said = [w for w in tls.warnings if arn in w]
    assert said == [f"alb: the HTTPS listener on port 8443 ({arn}) is not served: its certificate "
                    f"{iam_arn} is not in IAM (server certificates){AWS_REFUSES}"]
    # No certificate at all (AWS requires one; moto does not).
    bare = tls.listener("HTTPS", 8444, tls.lab.fwd("tg-a"))
    assert tls.port_tag(bare) is None and tls.plane.listener_port(bare) is None
    assert [w for w in tls.warnings if bare in w] == [
        f"alb: the HTTPS listener on port 8444 ({bare}) is not served: it has no certificate{AWS_REFUSES}"]
    elb.delete_listener(ListenerArn=bare)
    # Given a certificate that exists, it is served.
    elb.modify_listener(ListenerArn=arn, Certificates=[{"CertificateArn": tls.cert_arn}])
    port = tls.port_tag(arn)
    assert port is not None
    assert tls.https(port, "/x")[1]["x-mysfits-target-group"] == "tg-a"
    # Its certificate deleted from ACM (AWS refuses while in use, moto does not): connections
    # are closed, and that is said once.
    cert_pem, key_pem = self_signed(tls.host)
    other = tls.acm.import_certificate(Certificate=cert_pem, PrivateKey=key_pem)["CertificateArn"]
    elb.modify_listener(ListenerArn=arn, Certificates=[{"CertificateArn": other}])
    trust_other = ssl.create_default_context(cadata=cert_pem.decode())
    assert tls.https(port, "/x", trust_other)[0] == 200
    tls.acm.delete_certificate(CertificateArn=other)
    for _ in range(2):
        with pytest.raises((http.client.HTTPException, OSError)):
            tls.https(port, "/x", trust_other)
    said = [w for w in tls.warnings if arn in w]
    assert len(said) == 2 and said[1].endswith(f"its certificate {other} is not in ACM{AWS_REFUSES}")
    elb.delete_listener(ListenerArn=arn)


def test_requested_certificate_is_served(tls: TlsLab) -> None:
    # moto makes a key for a requested certificate (issuer "Amazon", signed by that key).
    arn = tls.acm.request_certificate(DomainName=tls.host)["CertificateArn"]
    listener = tls.listener("HTTPS", 9443, tls.lab.fwd("tg-a"), arn)
    port = tls.port_tag(listener)
    assert port is not None
    unchecked = ssl.create_default_context()
    unchecked.check_hostname, unchecked.verify_mode = False, ssl.CERT_NONE
    assert tls.https(port, "/x", unchecked)[0] == 200
    tls.lab.elb.delete_listener(ListenerArn=listener)
