"""S3 static website hosting for the local engine.

AWS serves a bucket that has a website configuration at its website endpoint,
``http://<bucket>.s3-website-<region>.amazonaws.com`` (CloudFormation's
``!GetAtt Bucket.WebsiteURL``), with website semantics: only GET and HEAD; a path
ending in ``/`` (or the root) serves that folder's index document; a key that is a
folder without the slash redirects (302) to it; a missing key is a 404, answered with
the error document when one is configured; an object's ``x-amz-website-redirect-location``
redirects (301); ``RedirectAllRequestsTo`` redirects every request (301); an object's
Content-Type is the one it was stored with.

moto keeps buckets, objects and their website configuration but serves no website, and
its CloudFormation ignores a bucket's ``WebsiteConfiguration`` (the patch
``patches/cfn_s3_bucket_website.py`` stores it). Here one HTTP server on 127.0.0.1 serves
every bucket's website from moto's S3 backend, routed by the Host header: ``WebsiteURL``
is ``http://<bucket>.s3-website.localhost:<port>`` (``*.localhost`` is loopback, RFC 6761:
Chromium and curl reach it without DNS).

What differs from AWS: nothing here checks that objects are public (AWS answers 403
unless a bucket policy or ACL lets anyone read them and Block Public Access allows it);
RoutingRules are not applied.

moto 5.2.5 storage this relies on (moto/s3/models.py): ``s3_backends.bucket_accounts``
{name: (partition, account)}; ``backend.buckets[name]`` a FakeBucket with
``.website_configuration`` (the PutBucketWebsite XML, bytes, or None) and ``.keys``
(name -> FakeKey); FakeKey ``.value`` bytes, ``.metadata`` (case-insensitive, holds
Content-Type), ``.etag``, ``.last_modified_RFC1123``, ``.website_redirect_location``.
"""

from __future__ import annotations

import contextlib
import html
import secrets
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .patches import Patching

__all__ = ["Website", "WebsiteServer", "apply", "parse_configuration"]

HOST = "127.0.0.1"
SUFFIX = ".s3-website.localhost"
_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


@dataclass(frozen=True)
class Website:
    index: str | None = None
    error: str | None = None
    redirect_host: str | None = None
    redirect_protocol: str | None = None


def parse_configuration(xml: bytes) -> Website:
    """The PutBucketWebsite body (namespaced or not) as a Website."""
    root = ET.fromstring(xml)

    def text(path: str) -> str | None:
        node = root.find("/".join(f"{{*}}{p}" for p in path.split("/")))
        return node.text.strip() if node is not None and node.text else None

    return Website(index=text("IndexDocument/Suffix"), error=text("ErrorDocument/Key"),
                   redirect_host=text("RedirectAllRequestsTo/HostName"),
                   redirect_protocol=text("RedirectAllRequestsTo/Protocol"))


class WebsiteServer:
    """One ThreadingHTTPServer on 127.0.0.1 serving every bucket's website from moto."""

    def __init__(self, s3_backends: Any, lock: Any = None, port: int = 0) -> None:
        self.s3_backends = s3_backends
        self.lock = lock if lock is not None else contextlib.nullcontext()
        self.httpd = ThreadingHTTPServer((HOST, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.site = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def url(self, bucket: str) -> str:
        return f"http://{bucket}{SUFFIX}:{self.port}"

    def start(self) -> WebsiteServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="s3-website",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:  # shutdown() waits for a serve_forever that never ran
            self.httpd.shutdown()
            self._thread.join(5)
        self.httpd.server_close()

    def bucket(self, name: str) -> Any:
        where = self.s3_backends.bucket_accounts.get(name)
        if where is None:
            return None
        partition, account = where
        return self.s3_backends[account][partition].buckets.get(name)


class _Handler(BaseHTTPRequestHandler):
    server_version = "AmazonS3"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def _not_allowed(self) -> None:
        self._error(405, "MethodNotAllowed",
                    "The specified method is not allowed against this resource.",
                    [("Method", self.command), ("ResourceType", "OBJECT")], body=True,
                    extra=[("Allow", "GET, HEAD")])

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed  # noqa: N815

    def _serve(self, body: bool) -> None:
        site: WebsiteServer = self.server.site  # type: ignore[attr-defined]
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if not host.endswith(SUFFIX):
            self._error(404, "NoSuchBucket", "The specified bucket does not exist",
                        [("BucketName", host)], body)
            return
        name = host[: -len(SUFFIX)]
        path = unquote(urlsplit(self.path).path)
        with site.lock:
            bucket = site.bucket(name)
            if bucket is None:
                self._error(404, "NoSuchBucket", "The specified bucket does not exist",
                            [("BucketName", name)], body)
                return
            if not bucket.website_configuration:
                self._error(404, "NoSuchWebsiteConfiguration",
                            "The specified bucket does not have a website configuration",
                            [("BucketName", name)], body)
                return
            website = parse_configuration(bucket.website_configuration)
            if website.redirect_host:
                protocol = website.redirect_protocol or "http"
                self._redirect(301, f"{protocol}://{website.redirect_host}{quote(path)}")
                return
            index = website.index or "index.html"
            key_name = path.lstrip("/")
            if key_name == "" or key_name.endswith("/"):
                key_name += index
            key = bucket.keys.get(key_name)
            if key is None and bucket.keys.get(f"{key_name}/{index}") is not None:
                # A folder asked for without its slash: AWS redirects to the slashed path.
                self._redirect(302, f"{quote(path)}/")
                return
            if key is None:
                error_key = bucket.keys.get(website.error) if website.error else None
                if error_key is not None:
                    self._object(404, error_key, body)
                else:
                    self._error(404, "NoSuchKey", "The specified key does not exist.",
                                [("Key", key_name)], body)
                return
            if key.website_redirect_location:
                self._redirect(301, key.website_redirect_location)
                return
            self._object(200, key, body)

    def _object(self, status: int, key: Any, body: bool) -> None:
        data = key.value
        self.send_response(status)
        self.send_header("Content-Type", key.metadata.get("Content-Type") or "binary/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", key.etag)
        self.send_header("Last-Modified", key.last_modified_RFC1123)
        self._request_id()
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self._request_id()
        self.end_headers()

    def _error(self, status: int, code: str, message: str, details: list[tuple[str, str]],
               body: bool, extra: list[tuple[str, str]] | None = None) -> None:
        # The website endpoint answers errors as HTML, not as the REST API's XML.
        request_id = secrets.token_hex(8).upper()
        title = f"{status} {self.responses.get(status, ('',))[0]}"
        items = [("Code", code), ("Message", message), *details, ("RequestId", request_id)]
        page = (f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>\n"
                + "".join(f"<li>{k}: {html.escape(v)}</li>\n" for k, v in items)
                + "</ul>\n<hr/>\n</body>\n</html>\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("x-amz-error-code", code)
        self.send_header("x-amz-request-id", request_id)
        for k, v in extra or []:
            self.send_header(k, v)
        self.end_headers()
        if body:
            self.wfile.write(page)

    def _request_id(self) -> None:
        self.send_header("x-amz-request-id", secrets.token_hex(8).upper())


def apply(patching: Patching, site: WebsiteServer) -> None:
    """``WebsiteURL`` points at ``site``. (A stack's ``WebsiteConfiguration`` is stored by
    the patch ``patches/cfn_s3_bucket_website.py``.)"""
    from moto.s3.models import FakeBucket

    patching.replace(FakeBucket, "website_url", property(lambda self: site.url(self.name)))
    patching.note(f"S3: buckets' websites served at http://<bucket>{SUFFIX}:{site.port} (WebsiteURL)")
