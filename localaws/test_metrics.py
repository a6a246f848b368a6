"""CloudWatch metrics from the ALB data plane: real requests on 127.0.0.1 through a
moto load balancer (in-process), read back with boto3's GetMetricStatistics and
GetMetricData as the CLI reads them.

Run: .venv/bin/python -m pytest localaws/test_metrics.py -q
"""

from __future__ import annotations

import http.client
import os
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from localaws.alb import AlbDataPlane  # noqa: E402
from localaws.metrics import NAMESPACE, AlbMetrics, arn_suffix  # noqa: E402
from localaws.patches import Patching, cloudwatch_dimensions  # noqa: E402

REGION = "us-east-1"
KW = dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


class _Status(BaseHTTPRequestHandler):
    """GET /status/<code> answers <code>; anything else 200."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = self.path.split("/")
        code = int(parts[2]) if len(parts) > 2 and parts[1] == "status" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Directory:
    def __init__(self) -> None:
        self.map: dict[str, list[tuple[str, int, str]]] = {}

    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        return list(self.map.get(target_group_arn, []))


@pytest.fixture(scope="module")
def lab() -> Iterator[SimpleNamespace]:
    patching = Patching()
    cloudwatch_dimensions.apply(patching)
    with mock_aws():
        elb = boto3.client("elbv2", **KW)
        ec2 = boto3.client("ec2", **KW)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for i, az in ((1, "a"), (2, "b"))]
        lb = elb.create_load_balancer(Name="mysfits", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]

        def group(name: str) -> str:
            return elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc,
                                           TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]

        tg_old, tg_new, tg_empty = group("mysfits-default"), group("mysfits-like"), group("mysfits-empty")
        servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Status) for _ in range(3)]
        for srv in servers:
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        ports = [srv.server_address[1] for srv in servers]
        directory = Directory()
        directory.map[tg_old] = [("127.0.0.1", ports[0], "healthy"), ("127.0.0.1", ports[1], "healthy")]
        directory.map[tg_new] = [("127.0.0.1", ports[2], "healthy"), ("127.0.0.1", ports[2], "unhealthy")]
        listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                       DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_old}])
        listener_arn = listener["Listeners"][0]["ListenerArn"]
        # The canary's weighted forward (all on the new group here, so counts are exact).
        elb.create_rule(ListenerArn=listener_arn, Priority=1,
                        Conditions=[{"Field": "path-pattern", "Values": ["/mysfits/*/like"]}],
                        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                            {"TargetGroupArn": tg_new, "Weight": 100},
                            {"TargetGroupArn": tg_old, "Weight": 0}]}}])
        elb.create_rule(ListenerArn=listener_arn, Priority=2,
                        Conditions=[{"Field": "path-pattern", "Values": ["/empty"]}],
                        Actions=[{"Type": "forward", "TargetGroupArn": tg_empty}])
        elb.create_rule(ListenerArn=listener_arn, Priority=3,
                        Conditions=[{"Field": "path-pattern", "Values": ["/teapot"]}],
                        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "418"}}])
        plane = AlbDataPlane(directory, metrics=AlbMetrics(), host_sample_s=3600)
        port = plane.start(DEFAULT_ACCOUNT_ID, REGION, lb)
        yield SimpleNamespace(cw=boto3.client("cloudwatch", **KW), elb=elb, lb=lb, old=tg_old,
                              new=tg_new, empty=tg_empty, port=port, plane=plane)
        plane.stop_all()
        for srv in servers:
            srv.shutdown()
            srv.server_close()
    patching.restore()


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def next_second() -> datetime:
    """Waits for the next whole second and returns it: datapoints are per second, so a
    query from it sees none of an earlier test's requests."""
    now = time.time()
    time.sleep(int(now) + 1 - now)
    return datetime.fromtimestamp(int(now) + 1, timezone.utc)


def dims(lab: SimpleNamespace, tg: str | None) -> list[dict[str, str]]:
    lb = [{"Name": "LoadBalancer", "Value": arn_suffix(lab.lb)}]
    return ([{"Name": "TargetGroup", "Value": arn_suffix(tg)}] if tg else []) + lb


def stat(lab: SimpleNamespace, name: str, tg: str | None, since: datetime, statistic: str = "Sum") -> float:
    """The statistic over [since, now), one Period of 60 s as the cut-over's watch asks
    (moto drops the microseconds of both times and refuses StartTime == EndTime)."""
    now = max(datetime.now(timezone.utc), since + timedelta(seconds=1))
    points = lab.cw.get_metric_statistics(Namespace=NAMESPACE, MetricName=name, Dimensions=dims(lab, tg),
                                          StartTime=since, EndTime=now, Period=60,
                                          Statistics=[statistic])["Datapoints"]
    if statistic == "Maximum":
        return max((p[statistic] for p in points), default=0.0)
    return sum(p[statistic] for p in points)


def test_arn_suffixes_are_the_dimension_values() -> None:
    assert arn_suffix("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/mysfits/50dc6c495c0c9188") \
        == "app/mysfits/50dc6c495c0c9188"
    assert arn_suffix("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/mysfits-like/73e2d6bc24d8a067") \
        == "targetgroup/mysfits-like/73e2d6bc24d8a067"


def test_counts_per_target_group_and_load_balancer(lab: SimpleNamespace) -> None:
    since = next_second()
    codes = [get(lab.port, "/mysfits/1/like") for _ in range(7)]
    codes += [get(lab.port, "/status/500") for _ in range(5)]  # default: the old group
    codes += [get(lab.port, "/status/404") for _ in range(3)]
    codes += [get(lab.port, "/empty") for _ in range(2)]  # no targets: the ELB's 503
    codes += [get(lab.port, "/teapot")]
    assert sorted(codes) == sorted([200] * 7 + [500] * 5 + [404] * 3 + [503] * 2 + [418]), codes
    answered = time.monotonic()

    # Visible within a second or two of the request, with EndTime = now.
    while stat(lab, "RequestCount", None, since) < len(codes):
        assert time.monotonic() - answered < 2.5, "datapoints not visible 2.5 s after the requests"
        time.sleep(0.1)
    want = {
        ("RequestCount", lab.new): 7, ("HTTPCode_Target_2XX_Count", lab.new): 7,
        ("HTTPCode_Target_5XX_Count", lab.new): 0,
        ("RequestCount", lab.old): 8, ("HTTPCode_Target_5XX_Count", lab.old): 5,
        ("HTTPCode_Target_4XX_Count", lab.old): 3, ("HTTPCode_Target_2XX_Count", lab.old): 0,
        ("RequestCount", lab.empty): 2, ("HTTPCode_Target_5XX_Count", lab.empty): 0,
        # The load balancer's own series: every request, targets' codes summed over groups
        # (once: not the groups' series counted again), and the errors it made itself.
        ("RequestCount", None): 18, ("HTTPCode_Target_5XX_Count", None): 5,
        ("HTTPCode_Target_2XX_Count", None): 7, ("HTTPCode_ELB_5XX_Count", None): 2,
        ("HTTPCode_ELB_503_Count", None): 2, ("HTTP_Fixed_Response_Count", None): 1,
    }
    got = {key: stat(lab, key[0], key[1], since) for key in want}
    assert got == want
    # ELB errors are a load balancer metric only, as on AWS.
    assert stat(lab, "HTTPCode_ELB_5XX_Count", lab.empty, since) == 0
    assert 0 < stat(lab, "TargetResponseTime", lab.new, since, "Maximum") < 1.0
    # The count statistics as AWS documents them: Minimum = Maximum = 1.
    assert stat(lab, "HTTPCode_Target_5XX_Count", lab.old, since, "Maximum") == 1.0


def test_get_metric_data_in_any_dimension_order(lab: SimpleNamespace) -> None:
    since = next_second()
    for _ in range(4):
        assert get(lab.port, "/mysfits/2/like") == 200
    time.sleep(1.1)  # the current second's datapoint is behind EndTime once it is over

    def query(order: list[dict[str, str]]) -> float:
        out = lab.cw.get_metric_data(
            StartTime=since, EndTime=datetime.now(timezone.utc),
            MetricDataQueries=[{"Id": "r", "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": "RequestCount", "Dimensions": order},
                "Period": 60, "Stat": "Sum"}}])
        return sum(out["MetricDataResults"][0]["Values"])

    forward = dims(lab, lab.new)
    assert query(forward) == 4
    assert query(list(reversed(forward))) == 4


def test_list_metrics_lists_each_metric_once(lab: SimpleNamespace) -> None:
    # Requests over three seconds: three datapoints per series, each metric listed once
    # (AWS ListMetrics; moto listed one entry per datapoint of a two-dimension metric).
    for _ in range(3):
        next_second()
        assert get(lab.port, "/mysfits/3/like") == 200
    pages = lab.cw.get_paginator("list_metrics").paginate(Namespace=NAMESPACE, MetricName="RequestCount")
    listed = [tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))
              for page in pages for m in page["Metrics"]]
    assert len(listed) == len(set(listed)), listed
    assert tuple(sorted((d["Name"], d["Value"]) for d in dims(lab, lab.new))) in listed
    assert tuple(sorted((d["Name"], d["Value"]) for d in dims(lab, None))) in listed


def test_host_counts(lab: SimpleNamespace) -> None:
    since = next_second()
    lab.plane.sample_hosts()
    time.sleep(1.1)
    assert stat(lab, "HealthyHostCount", lab.old, since, "Maximum") == 2
    assert stat(lab, "UnHealthyHostCount", lab.old, since, "Maximum") == 0
    assert stat(lab, "HealthyHostCount", lab.new, since, "Maximum") == 1
    assert stat(lab, "UnHealthyHostCount", lab.new, since, "Maximum") == 1
    # A group no rule forwards to is not the load balancer's.
    lonely = lab.elb.create_target_group(Name="lonely", Protocol="HTTP", Port=80,
                                         VpcId=lab.elb.describe_target_groups(TargetGroupArns=[lab.old])
                                         ["TargetGroups"][0]["VpcId"], TargetType="ip")
    lab.plane.sample_hosts()
    time.sleep(1.1)
    tg = lonely["TargetGroups"][0]["TargetGroupArn"]
    assert lab.cw.get_metric_statistics(Namespace=NAMESPACE, MetricName="HealthyHostCount",
                                        Dimensions=dims(lab, tg), StartTime=since,
                                        EndTime=datetime.now(timezone.utc), Period=60,
                                        Statistics=["Maximum"])["Datapoints"] == []


def test_one_datapoint_per_series_and_second() -> None:
    clock = [1000.2]
    backend = SimpleNamespace(metric_data=[])
    metrics = AlbMetrics(backend_of=lambda a, r: backend, clock=lambda: clock[0])
    lb = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/lab/1"
    tg = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/like/2"
    for _ in range(3):
        metrics.request("1", REGION, lb, tg, 500, "target", 0.01)
    by_series = {(d.name, len(d.dimensions)): d for d in backend.metric_data}
    assert len(backend.metric_data) == 6  # RequestCount, 5XX, TargetResponseTime x (lb, tg)
    five = by_series[("HTTPCode_Target_5XX_Count", 2)]
    assert (five.sum, five.sample_count, five.min, five.max) == (3, 3, 1, 1)
    assert five.timestamp == datetime(1970, 1, 1, 0, 16, 40)  # the whole second, naive UTC
    assert [(d.name, d.value) for d in five.dimensions] == [
        ("TargetGroup", "targetgroup/like/2"), ("LoadBalancer", "app/lab/1")]
    clock[0] = 1001.0
    metrics.request("1", REGION, lb, tg, 200, "target", 0.01)
    assert len(backend.metric_data) == 6 + 6  # a new second: new datapoints
    # A moto reset makes a new backend: its series start over there.
    fresh = SimpleNamespace(metric_data=[])
    metrics._backend_of = lambda a, r: fresh
    metrics.request("1", REGION, lb, tg, 200, "target", 0.01)
    assert len(fresh.metric_data) == 6
