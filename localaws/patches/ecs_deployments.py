"""ECS UpdateService starts a new deployment, which then completes.

AWS UpdateService: "If you update the task definition ... or force a new deployment,
Amazon ECS starts a new deployment": the new one is PRIMARY with rolloutState
IN_PROGRESS, and the one it replaces stays listed as ACTIVE until its tasks are drained.
The service's taskDefinition is always the full ARN. An update of the counts (or other
settings) only starts no deployment: the PRIMARY one takes the new desired count. Once
the new deployment's tasks run and pass health checks, its rolloutState becomes
COMPLETED ("ECS deployment <id> completed."), the old deployments are removed, and the
service logs "has reached a steady state".

moto 5.2: UpdateService keeps the old task definition in ``deployments[0]`` and never
moves ``rolloutState``.

A service never runs more tasks than it desires: one created with desiredCount 0 runs
none, and its deployment is COMPLETED at once (moto reports ``MOTO_ECS_SERVICE_RUNNING``
whatever the count, and a pendingCount below 0).

The patch builds the new PRIMARY deployment on UpdateService and completes it on a later
DescribeServices; CreateService caps the running count at the desired one. As for moto's own CreateService, tasks count as running when
``MOTO_ECS_SERVICE_RUNNING`` >= the desired count; otherwise the rollout stays
IN_PROGRESS (as on AWS while tasks fail to start). ``MYSFITS_MOTO_ROLLOUT_DESCRIBES``
(default 0): how many DescribeServices calls after the update still see it IN_PROGRESS
(the UpdateService response itself always does). In the local engine (``engine``), which
runs the tasks and rolls deployments out itself, deployments only start.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from ._shared import Patching, lock

ROLLOUT_DESCRIBES_ENV = "MYSFITS_MOTO_ROLLOUT_DESCRIBES"


def _env_int(name: str, default: int) -> int:
    """A count from the environment; negative means 0, unreadable means the default."""
    try:
        return max(int(os.environ.get(name, default)), 0)
    except ValueError:
        return default


def apply(patching: Patching) -> None:
    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random

    complete = not patching.engine
    original_update = EC2ContainerServiceBackend.update_service
    original_describe = EC2ContainerServiceBackend.describe_services
    original_create = EC2ContainerServiceBackend.create_service

    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            service = original_create(self, *args, **kwargs)
            desired = int(service.desired_count or 0)
            if service.running_count > desired:
                service.running_count, service.pending_count = desired, 0
                for deployment in service.deployments:
                    deployment.update({"runningCount": desired, "pendingCount": 0})
            return service

    def new_deployment_id() -> str:
        return f"ecs-svc/{mock_random.randint(0, 32**12)}"

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        with lock:
            props = dict(service_properties)
            cluster = self._get_cluster(props.get("cluster", "default"))
            name = str(props.get("service", "")).split("/")[-1]
            before = self.services.get(f"{cluster.name}:{name}")
            old_deployments = copy.deepcopy(before.deployments) if before else []
            old_task_definition = before.task_definition if before else None
            td_param = props.get("task_definition")
            force = bool(props.get("force_new_deployment"))

            service = original_update(self, service_properties)

            if service.deployment_controller.get("type", "ECS") != "ECS" or not old_deployments:
                return service
            new_td = old_task_definition
            if td_param:
                new_td = self.describe_task_definition(td_param).arn
                service.task_definition = new_td
            if new_td == old_task_definition and not force:
                # Only counts (or other settings) changed: no new deployment, the
                # PRIMARY one takes the new desired count.
                service.deployments = old_deployments
                primary = service.deployments[0]
                primary["desiredCount"] = service.desired_count
                primary["runningCount"] = min(service.running_count, service.desired_count)
                primary["pendingCount"] = max(service.desired_count - primary["runningCount"], 0)
                primary["updatedAt"] = utcnow()
                return service

            now = utcnow()
            deployment_id = new_deployment_id()
            for old in old_deployments:
                old["status"] = "ACTIVE"
                old["updatedAt"] = now
            template = old_deployments[0]
            primary = dict(template)
            primary.update(
                {
                    "id": deployment_id,
                    "status": "PRIMARY",
                    "taskDefinition": new_td,
                    "desiredCount": service.desired_count,
                    "pendingCount": service.desired_count,
                    "runningCount": 0,
                    "failedTasks": 0,
                    "createdAt": now,
                    "updatedAt": now,
                    "rolloutState": "IN_PROGRESS",
                    "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
                    "launchType": service.launch_type,
                    "platformVersion": service.platform_version,
                }
            )
            if getattr(service, "network_configuration", None):
                primary["networkConfiguration"] = service.network_configuration
            service.deployments = [primary] + old_deployments
            service._mysfits_rollout = {
                "id": deployment_id,
                "describes_left": _env_int(ROLLOUT_DESCRIBES_ENV, 0),
            }
            return service

    def complete_rollouts(services: list[Any]) -> None:
        for service in services:
            rollout = getattr(service, "_mysfits_rollout", None)
            if not rollout:
                continue
            if rollout["describes_left"] > 0:
                rollout["describes_left"] -= 1
                continue
            primary = next(
                (d for d in service.deployments if d.get("id") == rollout["id"]), None
            )
            if primary is None:
                service._mysfits_rollout = None
                continue
            running = _env_int("MOTO_ECS_SERVICE_RUNNING", 0)
            if running < service.desired_count:
                continue
            now = utcnow()
            primary.update(
                {
                    "runningCount": service.desired_count,
                    "pendingCount": 0,
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": f"ECS deployment {primary['id']} completed.",
                    "updatedAt": now,
                }
            )
            service.deployments = [primary]
            service.running_count = service.desired_count
            service.pending_count = 0
            events = getattr(service, "events", None)
            if isinstance(events, list):
                events.insert(
                    0,
                    {
                        "id": str(mock_random.uuid4()),
                        "createdAt": now,
                        "message": f"(service {service.name}) has reached a steady state.",
                    },
                )
            service._mysfits_rollout = None

    def describe_services(self: Any, cluster_str: str, service_names_or_arns: list[str]) -> Any:
        with lock:
            result = original_describe(self, cluster_str, service_names_or_arns)
            services = result[0] if isinstance(result, tuple) else result
            if complete:
                complete_rollouts(list(services))
            return result

    create_service.__doc__ = original_create.__doc__
    patching.replace(EC2ContainerServiceBackend, "create_service", create_service)
    update_service.__doc__ = original_update.__doc__
    describe_services.__doc__ = original_describe.__doc__
    patching.replace(EC2ContainerServiceBackend, "update_service", update_service)
    patching.replace(EC2ContainerServiceBackend, "describe_services", describe_services)
    patching.note("ECS CreateService runs at most its desired count; "
                  "UpdateService: new PRIMARY deployment"
                  + (", rollout to COMPLETED" if complete else " (the engine rolls it out)"))
