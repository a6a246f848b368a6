"""ECS registers a service's running tasks with its load balancers' target groups.

AWS (ECS Developer Guide, "Use load balancing to distribute Amazon ECS service
traffic"): "Amazon ECS automatically registers and deregisters containers with your
target group"; an awsvpc (Fargate) task is registered by its private IPv4 address on the
``containerPort`` of the service's ``loadBalancers`` entry, and deregistered when it
stops (the tasks of a service scaled to 0 or deleted stop).

moto 5.2: services start no tasks (``runningCount`` comes from
``MOTO_ECS_SERVICE_RUNNING``) and register nothing, so DescribeTargetHealth of a
service's group is empty whatever ``runningCount`` the service reports.

The patch keeps, after CreateService, UpdateService and DeleteService, one target per
running task of each ACTIVE service (``min(runningCount, desiredCount)``) in each of its
target groups, with moto's own register and deregister: ip targets with addresses of the
service's first subnet, from its fifth on (AWS reserves the first four of a subnet), on
the container port. moto reports a registered ip target ``healthy`` at once (AWS:
``initial`` until the health checks pass). Not applied in the local engine, whose tasks
register themselves as they start.
"""

from __future__ import annotations

import inspect
import ipaddress
from typing import Any

from ._shared import Patching, lock

_MARK = "_mysfits_targets"
# The next host number handed out in each subnet (by subnet id).
_next_host: dict[str, int] = {}


def _address(ec2: Any, service: Any, slot: int) -> str | None:
    """The private address of the service's task in `slot`, made once and kept."""
    ips: list[str] = service.__dict__.setdefault("_mysfits_ips", [])
    while len(ips) <= slot:
        subnets = (service.network_configuration or {}).get("awsvpcConfiguration", {}).get("subnets")
        if not subnets:
            return None
        cidr = ipaddress.ip_network(ec2.get_subnet(subnets[0]).cidr_block)
        host = _next_host.get(subnets[0], 4)
        _next_host[subnets[0]] = host + 1
        ips.append(str(cidr[host]))
    return ips[slot]


def _sync(backend: Any, service: Any) -> None:
    """Registers the targets the service's running tasks would be, deregisters the rest."""
    from moto.ec2.models import ec2_backends
    from moto.elbv2.exceptions import TargetGroupNotFoundError
    from moto.elbv2.models import elbv2_backends

    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    running = min(service.running_count, service.desired_count) if service.status == "ACTIVE" else 0
    wanted: set[tuple[str, str, int]] = set()
    for slot in range(max(running, 0)):
        ip = _address(ec2, service, slot)
        for lb in service.load_balancers or []:
            if ip and lb.get("targetGroupArn") and lb.get("containerPort"):
                wanted.add((lb["targetGroupArn"], ip, int(lb["containerPort"])))
    have: set[tuple[str, str, int]] = service.__dict__.setdefault(_MARK, set())
    for group, ip, port in sorted(have - wanted):
        try:
            elbv2.deregister_targets(group, [{"Id": ip, "Port": port}])
        except TargetGroupNotFoundError:
            pass  # deleted with its targets
        have.discard((group, ip, port))
    for group, ip, port in sorted(wanted - have):
        try:
            elbv2.register_targets(group, [{"Id": ip, "Port": port}])
        except TargetGroupNotFoundError:
            continue  # ECS would fail the task; nothing to register with
        have.add((group, ip, port))


def apply(patching: Patching) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    if patching.engine:
        return  # the engine's tasks register themselves as they start
    try:
        source = inspect.getsource(EC2ContainerServiceBackend)
    except (OSError, TypeError):
        source = ""
    if "register_targets" in source:
        patching.note("ECS service tasks: moto registers them with target groups itself, patch not needed")
        return

    original = EC2ContainerServiceResponse.call_action

    # Around the whole API call (the backend's service operations belong to
    # ecs_deployments): once CreateService, UpdateService or DeleteService has changed
    # the service, its targets follow.
    def call_action(self: Any) -> Any:
        if self._get_action() not in _SERVICE_ACTIONS:
            return original(self)
        with lock:
            result = original(self)
            service = _service(self)
            if service is not None:
                _sync(self.ecs_backend, service)
            return result

    call_action.__doc__ = original.__doc__
    patching.replace(EC2ContainerServiceResponse, "call_action", call_action)
    patching.note("ECS service tasks are registered with (and deregistered from) the "
                  "service's target groups")


_SERVICE_ACTIONS = ("CreateService", "UpdateService", "DeleteService")


def _service(response: Any) -> Any:
    """The service the call named, if there is one (a refused call may name none)."""
    from moto.ecs.exceptions import ClusterNotFoundException, ServiceNotFoundException

    name = response._get_param("serviceName") or response._get_param("service")
    try:
        return response.ecs_backend._get_service(response._get_param("cluster", "default"), name)
    except (ClusterNotFoundException, ServiceNotFoundException):
        return None
