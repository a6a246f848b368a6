"""CloudWatch at AWS pace: a service's datapoints arrive late.

AWS: "Elastic Load Balancing ... measures and sends its metrics in 60-second intervals"
("CloudWatch metrics for your Application Load Balancer",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
so a datapoint reaches GetMetricStatistics / GetMetricData a minute or two after its
timestamp.

The engine writes its load balancers' datapoints into moto's CloudWatch as requests are
answered (``metrics.py``), visible a second later.

With ``--pace aws``: a datapoint of a namespace ``AWS/...`` (what AWS services publish)
is not read (GetMetricStatistics, GetMetricData, ListMetrics) until "cloudwatch:delay"
(``pace.py``) after its timestamp. PutMetricData's own namespaces are not delayed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .pace import Pace
from .patches import Patching


def apply(patching: Patching, pace: Pace) -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.utils import utcnow

    original = CloudWatchBackend.get_all_metrics

    def get_all_metrics(self: Any) -> Any:
        seen = utcnow() - timedelta(seconds=pace.seconds("cloudwatch:delay"))
        return [d for d in original(self)
                if not (str(d.namespace).startswith("AWS/") and d.timestamp > seen)]

    patching.replace(CloudWatchBackend, "get_all_metrics", get_all_metrics)
    patching.note("pace: AWS/* CloudWatch datapoints are read only after their delay")
