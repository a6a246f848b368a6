"""The URLs the engine hands out (a load balancer's DNS name, a bucket's website) open in
Python's standard library exactly as they are, with no Host header trick: the C library
resolves ``*.localhost`` (libnss-myhostname, installed by scripts/system-deps.sh).

Run: .venv/bin/python -m pytest localaws/test_urls.py -q
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import boto3
import pytest
from moto import mock_aws

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws import website  # noqa: E402
from localaws.alb import AlbDataPlane  # noqa: E402
from localaws.alb import apply as serve_load_balancers  # noqa: E402
from localaws.patches import Patching  # noqa: E402

REGION = "us-east-1"


def fetch(url: str) -> tuple[int, bytes]:
    host = urlsplit(url).hostname or ""
    # Never anything but loopback: checked before the request is sent.
    assert {a[4][0] for a in socket.getaddrinfo(host, None)} <= {"127.0.0.1", "::1"}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status, response.read()


class _NoTargets:
    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        return []


@pytest.fixture()
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_load_balancer_dns_name_opens_in_urllib(aws: None) -> None:
    # The engine's own patch, as `python -m localaws` applies it.
    plane = AlbDataPlane(_NoTargets(), log=lambda _: None)
    patching = Patching(engine=True)
    serve_load_balancers(patching, plane)
    try:
        kw = dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        ec2, elb = boto3.client("ec2", **kw), boto3.client("elbv2", **kw)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for i, az in ((1, "a"), (2, "b"))]
        lb = elb.create_load_balancer(Name="urls", Subnets=subnets)["LoadBalancers"][0]
        assert lb["DNSName"].split(":")[0].endswith(".elb.localhost")
        elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {
                                "StatusCode": "200", "ContentType": "text/plain",
                                "MessageBody": "served"}}])
        assert fetch(f"http://{lb['DNSName']}/") == (200, b"served")
    finally:
        plane.stop_all()
        patching.restore()


def test_website_url_opens_in_urllib(aws: None) -> None:
    from moto.s3.models import s3_backends

    server = website.WebsiteServer(s3_backends).start()
    patching = Patching(engine=True)
    website.apply(patching, server)
    try:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="urls-site")
        s3.put_bucket_website(Bucket="urls-site",
                              WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
        s3.put_object(Bucket="urls-site", Key="index.html", Body=b"<h1>home</h1>",
                      ContentType="text/html")
        assert fetch(server.url("urls-site") + "/") == (200, b"<h1>home</h1>")
    finally:
        patching.restore()
        server.stop()
