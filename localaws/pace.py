"""The pace model: the engine's control plane takes the time AWS takes, opt-in.

    python -m localaws --pace aws [--pace-scale 0.1]

Off by default (``--pace off``): then nothing here is applied and the engine is as fast
as moto. With ``--pace aws``, every figure below (seconds on AWS, from published
measurements, each with its source and date; where sources disagree, their median) is
multiplied by ``--pace-scale`` and applied by:

* ``pace_cfn.py``: CloudFormation stack operations follow a timeline computed from the
  template's dependencies and the per-type figures (DescribeStacks, DescribeStackEvents,
  DescribeStackResources answer by it);
* ``pace_elb.py``: a load balancer is ``provisioning`` and its ports refuse connections
  until it is ``active``; a new target waits for its registration before its first
  health check;
* ``pace_tasks.py``: a Fargate task is PROVISIONING for the network interface's
  attachment, PENDING for its image pull (by the image's size), then starts;
* ``pace_metrics.py``: CloudWatch datapoints of AWS namespaces appear late.

Health checks (interval, thresholds) and the deregistration delay are the target group's
own settings already (``health.py``); at AWS pace they apply as configured, scaled.

docs/local-engine.md, "The pace model", has the same table with the notes.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Callable

__all__ = ["FIGURES", "Figure", "Pace", "configure", "current"]


@dataclass(frozen=True)
class Figure:
    seconds: float
    source: str  # URL(s)
    date: str  # of the source (or when it was read, for undated documentation)
    note: str = ""


_STEDI = "https://www.stedi.com/blog/relative-performance-tradeoffs-of-aws-native-provisioning-methods"
_OPTIMISTIC = ("https://aws.amazon.com/blogs/devops/"
               "how-we-sped-up-aws-cloudformation-deployments-with-optimistic-stabilization/")

FIGURES: dict[str, Figure] = {
    # CloudFormation, per resource operation.
    "cfn:default": Figure(
        13, _STEDI, "2023-02-23",
        "CloudFormation's own latency over the service's API (~13 s per deployment); used "
        "for every create, update and delete without a figure of its own"),
    "cfn:configure": Figure(
        13, _OPTIMISTIC, "2024-03",
        "optimistic stabilization: a resource's dependents start at its "
        "CONFIGURATION_COMPLETE, before it is stable; the configuration takes the default"),
    "cfn:create:AWS::ElasticLoadBalancingV2::LoadBalancer": Figure(
        270,
        "https://github.com/awslabs/kubeflow-manifests/pull/157 ; "
        "https://github.com/hashicorp/terraform/issues/24799",
        "2022-04-09 ; 2020-04-28",
        "median of 'around 3-5 minutes' (240 s) and 'no more than 5 [minutes]' on most "
        "runs (300 s); CloudFormation waits for the state active"),
    "cfn:create:AWS::EC2::NatGateway": Figure(
        450,
        "https://github.com/kubernetes/kops/pull/944 ; https://github.com/kubernetes/kops/pull/995",
        "2016-11-18 ; 2016-11-28",
        "median of 'up to 10 min' (600 s) and 'up to 5 min' (300 s) from pending to "
        "available: upper bounds, the only figures found; likely more than typical"),
    # Fargate task start.
    "ecs:eni": Figure(
        11,
        "https://github.com/opensearch-project/opensearch-migrations/pull/2116 ; "
        "https://zenn.dev/majent/articles/28fc57a1e477a8",
        "2026-01-05 ; 2021-09-18",
        "PROVISIONING (network interface attached): median of 11 s and 44 s (createdAt to "
        "pullStartedAt, two tasks of one run) and about 10 s"),
    "ecs:pull-per-mb": Figure(
        0.078,
        "https://github.com/aws/containers-roadmap/issues/696 ; "
        "https://github.com/aws/containers-roadmap/issues/358 ; "
        "https://drorspei.com/2026/01/23/my-fargate-startup-is-slow-an-investigation-into-docker-layer-optimization",
        "2020-02-21 ; 2020-01-24 ; 2026-01-23",
        "PENDING (image pull) seconds per MB of the image: median of 0.078 (about 70 s "
        "PENDING for just under 900 MB), 0.196 (about 1 min for 250 MB, less the 11 s "
        "network interface) and 0.020 (55 s from RunTask to ready for 2,700 MB)"),
    # Elastic Load Balancing.
    "elb:active": Figure(
        270, "as cfn:create:AWS::ElasticLoadBalancingV2::LoadBalancer", "",
        "CreateLoadBalancer to the state active, outside CloudFormation too"),
    "elb:registration": Figure(
        30, "https://github.com/aws-samples/aws-codedeploy-samples/pull/36", "2016-01-25",
        "a registered target's first health check ('For registration wait 30s + health "
        "check timeout'); NLB targets wait 70-120 s "
        "(https://github.com/aws/containers-roadmap/issues/469, 2019-09-06), not used"),
    # CloudWatch.
    "cloudwatch:delay": Figure(
        90,
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
        "load-balancer-cloudwatch-metrics.html ; issue 23",
        "read 2026-12-07",
        "a datapoint is visible this long after its timestamp: the median of one to two "
        "minutes; ELB 'measures and sends its metrics in 60-second intervals'"),
}


class Pace:
    """The figures, scaled, and one timer thread for what must happen at a time."""

    def __init__(self, scale: float = 1.0, clock: Callable[[], float] = time.monotonic):
        if scale <= 0:
            raise ValueError("--pace-scale must be more than 0")
        self.scale = scale
        self.clock = clock
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int, str]] = []
        self._jobs: dict[str, tuple[float, int, Callable[[], None]]] = {}
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        # Load balancers: arn -> monotonic time it is (or becomes) active.
        self._lb_active: dict[str, float] = {}

    def seconds(self, name: str) -> float:
        """A figure, at this pace (its AWS seconds times the scale)."""
        return FIGURES[name].seconds * self.scale

    def cfn(self, verb: str, cfn_type: str) -> float:
        """Seconds a resource operation takes (verb: create, update, delete)."""
        key = f"cfn:{verb}:{cfn_type}"
        return self.seconds(key if key in FIGURES else "cfn:default")

    # -- load balancers

    def lb_active_at(self, arn: str) -> float:
        """When the load balancer is active (first asked: created now)."""
        with self._lock:
            return self._lb_active.setdefault(arn, self.clock() + self.seconds("elb:active"))

    def set_lb_active_at(self, arn: str, when: float) -> None:
        """CloudFormation's timeline knows better when the load balancer is active."""
        with self._lock:
            self._lb_active[arn] = when
            job = self._jobs.get(f"lb:{arn}")
        if job is not None:
            self.at(f"lb:{arn}", when, job[2])

    def lb_active(self, arn: str) -> bool:
        return self.clock() >= self.lb_active_at(arn)

    def forget_lb(self, arn: str) -> None:
        with self._lock:
            self._lb_active.pop(arn, None)
        self.cancel(f"lb:{arn}")

    # -- the timer

    def at(self, key: str, when: float, job: Callable[[], None]) -> None:
        """Runs ``job`` at monotonic time ``when`` (replacing the job of the same key)."""
        with self._lock:
            seq = next(self._seq)
            self._jobs[key] = (when, seq, job)
            heapq.heappush(self._heap, (when, seq, key))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="pace", daemon=True)
                self._thread.start()
            self._lock.notify()

    def cancel(self, key: str) -> None:
        with self._lock:
            self._jobs.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while True:
                    while self._heap and self._jobs.get(self._heap[0][2], (0, -1))[1] != self._heap[0][1]:
                        heapq.heappop(self._heap)  # replaced or cancelled
                    wait = (self._heap[0][0] - self.clock()) if self._heap else None
                    if wait is not None and wait <= 0:
                        _, _, key = heapq.heappop(self._heap)
                        job = self._jobs.pop(key)[2]
                        break
                    self._lock.wait(wait)
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - one job must not stop the timer
                import sys

                print(f"[localaws] pace: {key}: {type(exc).__name__}: {exc}", file=sys.stderr)


_current: Pace | None = None


def configure(mode: str, scale: float = 1.0) -> Pace | None:
    """``--pace off`` (None: nothing is paced) or ``--pace aws``."""
    global _current
    if mode not in ("off", "aws"):
        raise ValueError(f"--pace {mode!r}: off or aws")
    _current = Pace(scale) if mode == "aws" else None
    return _current


def current() -> Pace | None:
    return _current
