"""Tests for the S3 website endpoint: buckets and objects made through boto3 against
moto (in-process), fetched over real HTTP at the bucket's WebsiteURL on 127.0.0.1.

Run: .venv/bin/python -m pytest localaws/test_website.py -q
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from moto import mock_aws

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws import website  # noqa: E402
from localaws.patches import Patching, cfn_s3_bucket_website  # noqa: E402

REGION = "us-east-1"


@pytest.fixture()
def site() -> Iterator[website.WebsiteServer]:
    from moto.s3.models import s3_backends

    with mock_aws():
        server = website.WebsiteServer(s3_backends).start()
        # As the engine has it: the website URL, and a stack's WebsiteConfiguration stored.
        patching = Patching(engine=True)
        website.apply(patching, server)
        cfn_s3_bucket_website.apply(patching)
        try:
            yield server
        finally:
            patching.restore()
            server.stop()


def s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def fetch(url: str, path: str = "/", method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """Over HTTP to 127.0.0.1, with the website's host name in Host (as a browser sends it:
    *.localhost is loopback, whatever the resolver here says)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.hostname.endswith(".s3-website.localhost")
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(method, path, headers={"Host": parts.netloc})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def make_site(bucket: str, error_document: bool = True) -> None:
    client = s3()
    client.create_bucket(Bucket=bucket)
    config: dict[str, Any] = {"IndexDocument": {"Suffix": "index.html"}}
    if error_document:
        config["ErrorDocument"] = {"Key": "error.html"}
    client.put_bucket_website(Bucket=bucket, WebsiteConfiguration=config)
    for key, body, ctype in [
        ("index.html", b"<h1>home</h1>", "text/html"),
        ("app.js", b"console.log(1);", "application/javascript"),
        ("images/dragon.svg", b"<svg/>", "image/svg+xml"),
        ("docs/index.html", b"<h1>docs</h1>", "text/html"),
        ("error.html", b"<h1>lost</h1>", "text/html"),
        ("data.bin", b"\x00\x01", None),
    ]:
        extra = {"ContentType": ctype} if ctype else {}
        client.put_object(Bucket=bucket, Key=key, Body=body, **extra)


def test_listens_on_loopback_only(site: website.WebsiteServer) -> None:
    assert site.httpd.server_address[0] == "127.0.0.1"
    assert site.url("lab-site") == f"http://lab-site.s3-website.localhost:{site.port}"


def test_serves_objects_with_website_semantics(site: website.WebsiteServer) -> None:
    make_site("lab-site")
    url = site.url("lab-site")

    status, headers, body = fetch(url, "/")
    assert (status, headers["content-type"], body) == (200, "text/html", b"<h1>home</h1>")
    assert headers["etag"] and headers["last-modified"]
    assert fetch(url, "/index.html")[2] == b"<h1>home</h1>"
    assert fetch(url, "/app.js")[1]["content-type"] == "application/javascript"
    assert fetch(url, "/images/dragon.svg")[1]["content-type"] == "image/svg+xml"
    # Stored without a type: S3's default, not a guess from the name.
    assert fetch(url, "/data.bin")[1]["content-type"] == "binary/octet-stream"
    # A query string does not change which object is served.
    assert fetch(url, "/app.js?v=2")[2] == b"console.log(1);"

    # A folder: its index with the slash, a redirect to the slash without it.
    assert fetch(url, "/docs/")[2] == b"<h1>docs</h1>"
    status, headers, _ = fetch(url, "/docs")
    assert (status, headers["location"]) == (302, "/docs/")

    # A missing key: 404, answered with the error document.
    status, headers, body = fetch(url, "/nothing-here")
    assert (status, body) == (404, b"<h1>lost</h1>")

    status, headers, body = fetch(url, "/", method="HEAD")
    assert (status, headers["content-length"], body) == (200, "13", b"")

    status, headers, body = fetch(url, "/", method="POST")
    assert status == 405 and headers["allow"] == "GET, HEAD" and b"MethodNotAllowed" in body


def test_missing_key_without_error_document_is_an_html_404(site: website.WebsiteServer) -> None:
    make_site("bare-site", error_document=False)
    status, headers, body = fetch(site.url("bare-site"), "/images/none.svg")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert b"Code: NoSuchKey" in body and b"Key: images/none.svg" in body


def test_a_bucket_that_is_not_a_website(site: website.WebsiteServer) -> None:
    s3().create_bucket(Bucket="plain")
    s3().put_object(Bucket="plain", Key="index.html", Body=b"x")
    status, _, body = fetch(site.url("plain"))
    assert status == 404 and b"NoSuchWebsiteConfiguration" in body
    status, _, body = fetch(site.url("no-such-bucket"))
    assert status == 404 and b"NoSuchBucket" in body


def test_redirects_of_objects_and_of_the_whole_bucket(site: website.WebsiteServer) -> None:
    make_site("moving")
    s3().put_object(Bucket="moving", Key="old.html", Body=b"",
                    WebsiteRedirectLocation="/index.html")
    status, headers, _ = fetch(site.url("moving"), "/old.html")
    assert (status, headers["location"]) == (301, "/index.html")

    s3().create_bucket(Bucket="elsewhere")
    s3().put_bucket_website(Bucket="elsewhere", WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "moving.s3-website.localhost", "Protocol": "http"}})
    status, headers, _ = fetch(site.url("elsewhere"), "/a/b.html")
    assert (status, headers["location"]) == (301, "http://moving.s3-website.localhost/a/b.html")


TEMPLATE = {
    "Resources": {
        "Site": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "stack-site",
                "WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "error.html"},
            },
        }
    },
    "Outputs": {"WebsiteUrl": {"Value": {"Fn::GetAtt": ["Site", "WebsiteURL"]}}},
}


def test_a_stack_bucket_gets_its_website_and_url(site: website.WebsiteServer) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(StackName="lab", TemplateBody=json.dumps(TEMPLATE))
    outputs = cfn.describe_stacks(StackName="lab")["Stacks"][0]["Outputs"]
    url = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "WebsiteUrl")
    assert url == f"http://stack-site.s3-website.localhost:{site.port}"

    config = s3().get_bucket_website(Bucket="stack-site")
    assert config["IndexDocument"] == {"Suffix": "index.html"}
    assert config["ErrorDocument"] == {"Key": "error.html"}
    s3().put_object(Bucket="stack-site", Key="index.html", Body=b"<p>lab</p>",
                    ContentType="text/html; charset=utf-8")
    status, headers, body = fetch(url)
    assert (status, headers["content-type"], body) == (200, "text/html; charset=utf-8", b"<p>lab</p>")

    # The stack drops its website configuration: so does the bucket.
    without = json.loads(json.dumps(TEMPLATE))
    del without["Resources"]["Site"]["Properties"]["WebsiteConfiguration"]
    cfn.update_stack(StackName="lab", TemplateBody=json.dumps(without))
    status, _, body = fetch(url)
    assert status == 404 and b"NoSuchWebsiteConfiguration" in body


def test_restore_gives_moto_its_own_url_back() -> None:
    from moto.s3.models import FakeBucket, s3_backends

    with mock_aws():
        server = website.WebsiteServer(s3_backends)
        patching = Patching(engine=True)
        website.apply(patching, server)
        patching.restore()
        server.stop()
        s3().create_bucket(Bucket="after")
        bucket = s3_backends["123456789012"]["aws"].buckets["after"]
        assert FakeBucket.website_url.fget(bucket).endswith(".amazonaws.com")  # type: ignore[attr-defined]
