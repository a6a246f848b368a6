"""CloudWatch finds a metric by its whole set of dimensions, in any order.

AWS (CloudWatch concepts, "Dimensions"): "CloudWatch treats each unique combination of
dimensions as a separate metric. If you published a metric with dimensions, you must
specify all of them to retrieve statistics"; the order in which dimensions are named
does not matter. So ``HTTPCode_Target_5XX_Count`` with ``[LoadBalancer]`` is the load
balancer's series, and with ``[TargetGroup, LoadBalancer]`` one target group's.

moto 5.2: GetMetricStatistics returns every datapoint whose dimensions *include* the
query's, so a ``[LoadBalancer]`` query adds each target group's series to the load
balancer's own; GetMetricData compares sorted dimension lists, but
``Dimension.__lt__`` is broken (it compares a value with a name), so the sort keeps
the order given and ``[LoadBalancer, TargetGroup]`` never finds what was put as
``[TargetGroup, LoadBalancer]``. ListMetrics lists a metric once per datapoint when it
has two dimensions or more (its ``are_dimensions_same`` wants every dimension equal to
every other) or none, where AWS (ListMetrics) lists each metric, namespace + name +
dimension set, once.

The patch orders dimensions by (name, value); GetMetricStatistics keeps, of what moto's
own query found, the datapoints whose dimension set equals the query's; ListMetrics
keeps the first datapoint of each metric that moto's own filter lets through.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching


def _metric(datum: Any) -> tuple[str, str, frozenset[tuple[Any, Any]]]:
    """What makes a metric one: its namespace, name and whole dimension set."""
    return datum.namespace, datum.name, frozenset(_key(datum.dimensions))


def _key(dimensions: Any) -> set[tuple[Any, Any]]:
    return {(d["Name"], d.get("Value")) if isinstance(d, dict) else (d.name, d.value)
            for d in dimensions or []}


def apply(patching: Patching) -> None:
    from moto.cloudwatch.models import CloudWatchBackend, Dimension

    probe = [Dimension("TargetGroup", "targetgroup/b/1"), Dimension("LoadBalancer", "app/a/1")]
    if [d.name for d in sorted(probe)] != ["LoadBalancer", "TargetGroup"]:
        def __lt__(self: Any, other: Any) -> bool:
            return (self.name or "", self.value or "") < (other.name or "", other.value or "")

        patching.replace(Dimension, "__lt__", __lt__)

    original = CloudWatchBackend.get_metric_statistics

    def get_metric_statistics(self: Any, namespace: str, metric_name: str, start_time: Any,
                              end_time: Any, period: int, stats: list[str],
                              dimensions: list[dict[str, str]], unit: str | None = None) -> Any:
        found = original(self, namespace, metric_name, start_time, end_time, period, stats,
                         dimensions, unit)
        want = _key(dimensions)
        kept = []
        for point in found:
            point.metric_data = [md for md in point.metric_data if _key(md.dimensions) == want]
            if point.metric_data:
                kept.append(point)
        return kept

    def get_filtered_metrics(self: Any, metric_name: str, namespace: str,
                             dimensions: list[dict[str, str]]) -> list[Any]:
        listed: dict[tuple[str, str, frozenset[tuple[Any, Any]]], Any] = {}
        for datum in self.get_all_metrics():
            if datum.filter(namespace=namespace, name=metric_name, dimensions=dimensions):
                listed.setdefault(_metric(datum), datum)
        return list(listed.values())

    patching.replace(CloudWatchBackend, "get_metric_statistics", get_metric_statistics)
    patching.replace(CloudWatchBackend, "get_filtered_metrics", get_filtered_metrics)
    patching.note("CloudWatch: a metric is its whole dimension set, in any order, and "
                  "ListMetrics lists it once")
