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

from ._shared import lock

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


def apply(applied: list[str]) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend

    try:
        source = inspect.getsource(EC2ContainerServiceBackend)
    except (OSError, TypeError):
        source = ""
    if "register_targets" in source:
        applied.append("ECS service tasks: moto registers them with target groups itself, patch not needed")
        return

    original_create = EC2ContainerServiceBackend.create_service
    original_update = EC2ContainerServiceBackend.update_service
    original_delete = EC2ContainerServiceBackend.delete_service

    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            service = original_create(self, *args, **kwargs)
            _sync(self, service)
            return service

    def update_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            service = original_update(self, *args, **kwargs)
            _sync(self, service)
            return service

    def delete_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            service = original_delete(self, *args, **kwargs)
            _sync(self, service)
            return service

    for wrapper, original in ((create_service, original_create), (update_service, original_update),
                              (delete_service, original_delete)):
        wrapper.__doc__ = original.__doc__
    EC2ContainerServiceBackend.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.delete_service = delete_service  # type: ignore[method-assign]
    applied.append("ECS service tasks are registered with (and deregistered from) the "
                   "service's target groups")
