"""The CloudWatch patches (``localaws/patches/cloudwatch_cbor.py``, ``cloudwatch_dimensions.py``)
against a moto server on 127.0.0.1, spoken to in CBOR as the AWS SDK for Rust does.

Run: .venv/bin/python -m pytest tests/moto/test_cloudwatch_patches.py -q
"""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import cbor2
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from localaws.patches import Patching, cloudwatch_cbor, cloudwatch_dimensions  # noqa: E402

AUTH = ("AWS4-HMAC-SHA256 Credential=testing/20261201/us-east-1/monitoring/aws4_request, "
        "SignedHeaders=host, Signature=0")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    patching = Patching()
    cloudwatch_dimensions.apply(patching)
    cloudwatch_cbor.apply(patching)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield server.get_host_and_port()[1]
    server.stop()
    patching.restore()


def call(port: int, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/service/GraniteServiceVersion20100801/operation/{operation}",
        data=cbor2.dumps(body, datetime_as_timestamp=True), method="POST",
        headers={"Content-Type": "application/cbor", "Accept": "application/cbor",
                 "smithy-protocol": "rpc-v2-cbor", "Authorization": AUTH})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), cbor2.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), cbor2.loads(err.read())


DIMS = [{"Name": "TargetGroup", "Value": "targetgroup/like/1"},
        {"Name": "LoadBalancer", "Value": "app/lab/2"}]


def test_put_then_read_back_in_cbor(port: int) -> None:
    now = datetime.fromtimestamp(int(time.time()), timezone.utc)
    status, headers, out = call(port, "PutMetricData", {"Namespace": "AWS/ApplicationELB", "MetricData": [
        {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": DIMS, "Timestamp": now,
         "StatisticValues": {"Sum": 7, "SampleCount": 7, "Minimum": 1, "Maximum": 1}, "Unit": "Count"},
        # The load balancer's own series, which a target group's query must not add in.
        {"MetricName": "HTTPCode_Target_5XX_Count", "Dimensions": DIMS[1:], "Timestamp": now, "Value": 100},
    ]})
    assert (status, headers["smithy-protocol"], headers["Content-Type"]) == (200, "rpc-v2-cbor", "application/cbor")
    window = {"StartTime": datetime.fromtimestamp(now.timestamp() - 60, timezone.utc),
              "EndTime": datetime.fromtimestamp(now.timestamp() + 60, timezone.utc)}
    status, _, out = call(port, "GetMetricStatistics", {
        "Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count",
        "Dimensions": DIMS, "Period": 60, "Statistics": ["Sum", "Maximum"], **window})
    assert status == 200, out
    [point] = out["Datapoints"]
    assert point["Timestamp"] == now  # CBOR tag 1, back as a datetime
    assert (point["Sum"], point["Maximum"]) == (7.0, 1.0)
    assert all(isinstance(point[k], float) for k in ("Sum", "Maximum"))

    status, _, out = call(port, "GetMetricData", {"MetricDataQueries": [{"Id": "e", "MetricStat": {
        "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "HTTPCode_Target_5XX_Count",
                   "Dimensions": list(reversed(DIMS))}, "Period": 60, "Stat": "Sum"}}], **window})
    assert status == 200, out
    [result] = out["MetricDataResults"]
    assert (result["Id"], result["Values"], result["StatusCode"]) == ("e", [7.0], "Complete")
    assert result["Timestamps"] == [now]


def test_errors_carry_the_query_error_code(port: int) -> None:
    same = datetime.fromtimestamp(int(time.time()), timezone.utc)
    status, headers, out = call(port, "GetMetricStatistics", {
        "Namespace": "N", "MetricName": "M", "StartTime": same, "EndTime": same,
        "Period": 60, "Statistics": ["Sum"]})
    assert status == 400
    assert headers["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert "InvalidParameterValue" in out["__type"]
    assert "StartTime" in out["message"]


def test_other_requests_pass_untouched(port: int) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def test_list_metrics_lists_each_metric_once(port: int) -> None:
    # AWS ListMetrics: one entry per metric (namespace, name, dimension set), however
    # many datapoints it has; moto 5.2 gave one per datapoint of a two-dimension metric.
    namespace = "Test/ListOnce"
    now = int(time.time())
    data = []
    for second in range(now - 5, now):
        stamp = datetime.fromtimestamp(second, timezone.utc)
        for dims in (DIMS, list(reversed(DIMS)), DIMS[1:], []):
            data.append({"MetricName": "RequestCount", "Dimensions": dims, "Timestamp": stamp,
                         "Value": 1})
    status, _, out = call(port, "PutMetricData", {"Namespace": namespace, "MetricData": data})
    assert status == 200, out
    status, _, out = call(port, "ListMetrics", {"Namespace": namespace})
    assert status == 200, out
    listed = sorted(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))
                    for m in out["Metrics"])
    # 20 datapoints, 3 metrics: the pair (in either order), the load balancer alone, none.
    assert listed == [[], [("LoadBalancer", "app/lab/2")],
                      [("LoadBalancer", "app/lab/2"), ("TargetGroup", "targetgroup/like/1")]]
    # A dimension filter still selects every metric that has it.
    status, _, out = call(port, "ListMetrics", {
        "Namespace": namespace, "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/like/1"}]})
    assert status == 200, out
    assert len(out["Metrics"]) == 1
