"""CloudWatch metrics of the local load balancers, in moto's own CloudWatch backend.

What the data plane (alb.py) counts for real is written where GetMetricStatistics and
GetMetricData read it, namespace ``AWS/ApplicationELB``, with AWS's metric names and
dimensions (ELB User Guide, "CloudWatch metrics for your Application Load Balancer"):

* per load balancer, ``[LoadBalancer]``: RequestCount, HTTPCode_Target_2XX..5XX_Count,
  TargetResponseTime, HTTPCode_ELB_3XX/4XX/5XX_Count and HTTPCode_ELB_500/502/503/504_Count
  (answers the load balancer made itself), HTTP_Fixed_Response_Count, HTTP_Redirect_Count;
* per target group, ``[TargetGroup, LoadBalancer]``: RequestCount,
  HTTPCode_Target_2XX..5XX_Count, TargetResponseTime, and the sampled
  HealthyHostCount / UnHealthyHostCount.

Dimension values are the ARN suffixes, ``app/<name>/<id>`` and ``targetgroup/<name>/<id>``.
A metric is only written when there is something to count, as ELB does (no zero
datapoints for codes nobody answered). AWS sends one datapoint per minute; here each
series gets one datapoint per second (StatisticValues: Sum = the count, Minimum =
Maximum = 1 as AWS documents for the counts), written when the request is answered, so a
query a second later sees it. Host counts are sampled every few seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = ["NAMESPACE", "AlbMetrics", "arn_suffix"]

NAMESPACE = "AWS/ApplicationELB"
_ELB_CODES = (500, 502, 503, 504)  # the ones ELB has a metric of its own for


def arn_suffix(arn: str) -> str:
    """``…:loadbalancer/app/n/id`` → ``app/n/id``; ``…:targetgroup/n/id`` → ``targetgroup/n/id``
    (what CloudWatch's LoadBalancer and TargetGroup dimensions hold)."""
    resource = arn.split(":", 5)[5]
    return resource.removeprefix("loadbalancer/")


def _cloudwatch(account_id: str, region: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region]


class AlbMetrics:
    """Writes the data plane's counts into moto's CloudWatch as they happen."""

    def __init__(self, backend_of: Callable[[str, str], Any] = _cloudwatch,
                 clock: Callable[[], float] = time.time):
        self._backend_of = backend_of
        self._clock = clock
        self._lock = threading.Lock()
        # The datum of the current second per series:
        # (backend id, name, dims) -> (second, backend, datum).
        self._open: dict[tuple[int, str, tuple[tuple[str, str], ...]], tuple[int, Any, Any]] = {}

    # -- what the data plane reports

    def request(self, account_id: str, region: str, lb_arn: str, tg_arn: str | None,
                code: int, answered_by: str, seconds: float) -> None:
        """One request answered, ``code`` by whom ``answered_by`` says: 'target', 'elb' (an
        error the load balancer made itself: no target, target refused or too slow, no
        rule), 'fixed-response' or 'redirect'. ``tg_arn``: the group it was forwarded to."""
        lb = (("LoadBalancer", arn_suffix(lb_arn)),)
        series: list[tuple[str, tuple[tuple[str, str], ...], float]] = [("RequestCount", lb, 1.0)]
        tg = (("TargetGroup", arn_suffix(tg_arn)), lb[0]) if tg_arn else None
        if tg:
            series.append(("RequestCount", tg, 1.0))
        if answered_by == "target":
            name = f"HTTPCode_Target_{code // 100}XX_Count"
            series += [(name, lb, 1.0), ("TargetResponseTime", lb, seconds)]
            if tg:
                series += [(name, tg, 1.0), ("TargetResponseTime", tg, seconds)]
        elif answered_by == "elb":
            if 3 <= code // 100 <= 5:
                series.append((f"HTTPCode_ELB_{code // 100}XX_Count", lb, 1.0))
            if code in _ELB_CODES:
                series.append((f"HTTPCode_ELB_{code}_Count", lb, 1.0))
        elif answered_by == "fixed-response":
            series.append(("HTTP_Fixed_Response_Count", lb, 1.0))
        elif answered_by == "redirect":
            series += [("HTTP_Redirect_Count", lb, 1.0), ("HTTPCode_ELB_3XX_Count", lb, 1.0)]
        self._add(account_id, region, series)

    def hosts(self, account_id: str, region: str, lb_arn: str, tg_arn: str,
              healthy: int, unhealthy: int) -> None:
        """One sample of a target group's target states (as seen by the load balancer)."""
        dims = (("TargetGroup", arn_suffix(tg_arn)), ("LoadBalancer", arn_suffix(lb_arn)))
        backend = self._backend_of(account_id, region)
        stamp = _utc(int(self._clock()))
        for name, value in (("HealthyHostCount", healthy), ("UnHealthyHostCount", unhealthy)):
            backend.metric_data.append(_datum(name, dims, stamp, float(value)))

    # -- writing

    def _add(self, account_id: str, region: str,
             series: list[tuple[str, tuple[tuple[str, str], ...], float]]) -> None:
        backend = self._backend_of(account_id, region)
        second = int(self._clock())
        with self._lock:
            for name, dims, value in series:
                key = (id(backend), name, dims)
                entry = self._open.get(key)
                # A moto reset makes new backends (and may reuse an id): start over.
                if entry is None or entry[0] != second or entry[1] is not backend:
                    datum = _datum(name, dims, _utc(second), value)
                    backend.metric_data.append(datum)
                    self._open[key] = (second, backend, datum)
                    continue
                datum = entry[2]
                # Readers (moto's API threads) may see the Sum before the SampleCount moves;
                # a datapoint is at most one request behind, never wrong by more.
                datum.sum += value
                datum.sample_count += 1
                datum.min = min(datum.min, value)
                datum.max = max(datum.max, value)
            if len(self._open) > 512:  # series that went quiet: their second is over
                for key in [k for k, (s, _, _) in self._open.items() if s < second]:
                    del self._open[key]


def _utc(second: int) -> datetime:
    # moto keeps metric timestamps naive, in UTC.
    return datetime.fromtimestamp(second, timezone.utc).replace(tzinfo=None)


def _datum(name: str, dims: tuple[tuple[str, str], ...], stamp: datetime, value: float) -> Any:
    from moto.cloudwatch.models import MetricAggregatedDatum

    unit = "Seconds" if name == "TargetResponseTime" else "Count"
    return MetricAggregatedDatum(
        namespace=NAMESPACE, name=name, min_stat=value, max_stat=value, sample_count=1.0,
        sum_stat=value, dimensions=[{"Name": k, "Value": v} for k, v in dims],
        timestamp=stamp, unit=unit)
