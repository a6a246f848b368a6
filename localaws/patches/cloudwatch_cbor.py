"""CloudWatch speaks the Smithy RPC v2 CBOR protocol.

AWS (CloudWatch API reference, and its service model's ``protocols``:
``smithy-rpc-v2-cbor``, ``json``, ``query``): CloudWatch answers
``POST /service/GraniteServiceVersion20100801/operation/<Operation>`` with a CBOR body
(header ``smithy-protocol: rpc-v2-cbor``, timestamps as CBOR tag 1, epoch seconds). The
AWS SDK for Rust (aws-sdk-cloudwatch 1.x) sends nothing else.

moto 5.2 serves CloudWatch over the Query and JSON 1.0 protocols only (getmoto/moto#9195:
no RPC v2 CBOR support planned); a CBOR request gets moto's HTML 404.

The patch turns such a request into the same operation over JSON 1.0
(``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``), lets moto answer it, and
sends the answer back in CBOR: timestamps and doubles typed by botocore's model of the
output shape, errors as ``{"__type", "message"}`` with moto's ``x-amzn-query-error``
header (the SDK reads the error code from it: CloudWatch is awsQueryCompatible).
"""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import datetime, timezone
from typing import Any, Callable

from ._shared import Patching

_PATH = re.compile(r"/service/GraniteServiceVersion20100801/operation/([A-Za-z]+)")


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _typed(value: Any, shape: Any) -> Any:
    """JSON 1.0's values as the CBOR protocol types them, by the botocore shape."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if kind in ("double", "float") and isinstance(value, (int, float)):
        return float(value)
    if kind in ("integer", "long") and isinstance(value, float):
        return int(value)
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    return value


def apply(patching: Patching) -> None:
    import botocore.session
    import cbor2
    from moto.server import DomainDispatcherApplication

    model = botocore.session.get_session().get_service_model("cloudwatch")
    original = DomainDispatcherApplication.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        found = _PATH.fullmatch(environ.get("PATH_INFO") or "")
        if found is None:
            return original(self, environ, start_response)
        operation = found.group(1)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        body = json.dumps(_to_json(cbor2.loads(raw) if raw else {})).encode()
        inner = dict(environ)
        inner.pop("HTTP_SMITHY_PROTOCOL", None)
        inner.update({"PATH_INFO": "/", "QUERY_STRING": "", "REQUEST_URI": "/", "RAW_URI": "/",
                      "CONTENT_TYPE": "application/x-amz-json-1.0",
                      "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
                      "HTTP_X_AMZ_TARGET": f"GraniteServiceVersion20100801.{operation}"})
        answer: dict[str, Any] = {}

        def inner_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: None

        chunks = original(self, inner, inner_start)
        try:
            text = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status = answer["status"]
        parsed = json.loads(text) if text.strip() else {}
        if status.startswith("2"):
            try:
                shape = model.operation_model(operation).output_shape
            except Exception:  # noqa: BLE001 - an operation botocore does not know: untyped
                shape = None
            out = _typed(parsed, shape)
        else:
            out = {"__type": parsed.get("__type", "InternalFailure"),
                   "message": parsed.get("message") or parsed.get("Message") or ""}
        data = cbor2.dumps(out, datetime_as_timestamp=True, timezone=timezone.utc)
        keep = [(k, v) for k, v in answer["headers"]
                if k.lower() in ("x-amzn-requestid", "x-amzn-query-error", "x-amzn-errortype")]
        start_response(status, keep + [("Content-Type", "application/cbor"),
                                       ("smithy-protocol", "rpc-v2-cbor"),
                                       ("Content-Length", str(len(data)))])
        return [data]

    patching.replace(DomainDispatcherApplication, "__call__", __call__)
    patching.note("CloudWatch: Smithy RPC v2 CBOR requests answered (through moto's JSON 1.0)")
