"""Elastic Load Balancing at AWS pace: a load balancer is provisioning, and refuses
connections, until it is active; a new target waits for its registration before its
first health check.

AWS (ELB API reference, LoadBalancerState,
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html):
"The initial state of the load balancer is provisioning. After the load balancer is
fully set up and ready to route traffic, its state is active." A target registers in
state ``initial`` ("Target registration is in progress") and is checked once registered
("Health checks for your target groups",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).

moto 5.2 makes a load balancer active at the first DescribeLoadBalancers; the engine's
data plane serves it from CreateLoadBalancer on and checks a new target after 1 s.

With ``--pace aws``: DescribeLoadBalancers says ``provisioning`` until the load balancer
is active (``pace.py`` "elb:active" after CreateLoadBalancer, or its ``CREATE_COMPLETE``
in a stack's timeline, ``pace_cfn.py``). Until then its ports (the DNS name's and each
listener's) are bound but not listening: a connection is refused, as no AWS node would
answer yet (``alb.py``). A registered target's first health check comes after
"elb:registration" (``health.py``); then the target group's interval and thresholds.
"""

from __future__ import annotations

from typing import Any

from .pace import Pace
from .patches import Patching


def apply(patching: Patching, pace: Pace) -> None:
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.activate

    def activate(self: Any) -> None:
        if pace.lb_active(self.arn):
            original(self)

    patching.replace(FakeLoadBalancer, "activate", activate)
    patching.note("pace: load balancers are provisioning (ports refusing) until active")
