"""Service reconciliation in the ECS data plane: the rolling update within
``maximumPercent``/``minimumHealthyPercent``, gated on target health; the deployment
circuit breaker with rollback; the service throttle logic; a deployment COMPLETED and the
steady state; DeleteService's DRAINING to INACTIVE. The AWS documentation each copies is
listed in ``ecs.py``."""

from __future__ import annotations

import math
import time
from typing import Any

from .ecs_tasks import LocalTask, utc_now

__all__ = ["THROTTLE_FIRST", "THROTTLE_MAX", "ServiceScheduler"]

# Service throttle logic: the first delay after a task failed to start, and the longest.
THROTTLE_FIRST = 10.0
THROTTLE_MAX = 27 * 60.0


class ServiceScheduler:
    """The service half of ``Ecs`` (a mixin: the state is Ecs's)."""

    def _reconcile(self, backend: Any, service: Any, now: float) -> None:
        if service.status != "ACTIVE" or not service.deployments:
            return
        if (service.deployment_controller or {}).get("type", "ECS") != "ECS":
            return
        key = f"{service.cluster_name}:{service.name}"
        mine = [t for t in self.tasks.values() if t.service == key and t.state != "stopped"]
        primary = service.deployments[0]
        desired = int(service.desired_count or 0)
        config = getattr(service, "deployment_configuration", None) or {}
        max_total = math.floor(desired * int(config.get("maximumPercent", 200)) / 100)
        min_healthy = math.ceil(desired * int(config.get("minimumHealthyPercent", 100)) / 100)
        breaker = config.get("deploymentCircuitBreaker") or {}

        def of(deployment_id: str) -> list[LocalTask]:
            return [t for t in mine if t.deployment == deployment_id]

        def healthy(t: LocalTask) -> bool:
            if t.state != "running":
                return False
            if not t.targets:
                # Behind a load balancer a task is healthy only through its targets; one
                # whose container exited before its ports were published has none.
                return not service.load_balancers
            states = [self.health.state(g.arn, tid, p) for g, tid, p in t.targets]
            return all(s is not None and s.state == "healthy" for s in states)

        live = [t for t in mine if t.state in ("starting", "running")]
        primary_live = [t for t in of(primary["id"]) if t.state in ("starting", "running")]
        if primary.get("rolloutState") == "COMPLETED":
            # Also one completed as it was created (moto: a service of 0 tasks): the
            # breaker's rollback target.
            service._mysfits_completed = primary["taskDefinition"]

        # The circuit breaker.
        if primary.get("rolloutState") == "IN_PROGRESS" and breaker.get("enable"):
            threshold = max(3, min(200, math.ceil(0.5 * desired)))
            if int(primary.get("failedTasks") or 0) >= threshold:
                self._fail(backend, service, primary, bool(breaker.get("rollback")))
                return

        # Start the primary's tasks within maximumPercent, unless launches are throttled.
        if primary.get("rolloutState") != "FAILED" and not self._throttled(service, primary):
            room = max(max_total - len(live), 0) if max_total > desired else desired - len(primary_live)
            for _ in range(min(desired - len(primary_live), max(room, 0))):
                self._new_service_task(backend, service, primary)
        # A lower desired count: the primary's extra tasks go.
        for extra in primary_live[desired:]:
            self._begin_stop(extra, "Scaling activity initiated by (deployment "
                                    f"{primary['id']})", drain=True)

        # Old deployments' tasks go while minimumHealthyPercent stays healthy.
        healthy_count = sum(1 for t in live if healthy(t))
        for deployment in service.deployments[1:]:
            for t in of(deployment["id"]):
                if t.state not in ("starting", "running"):
                    continue
                if healthy(t) and healthy_count - 1 < min_healthy:
                    continue
                if healthy(t):
                    healthy_count -= 1
                self._begin_stop(t, f"Scaling activity initiated by (deployment {primary['id']})",
                                 drain=True)
                self._event(service, f"(service {service.name}) has stopped 1 running tasks: "
                                     f"(task {t.task.id}).")
        # Deployments without tasks are over.
        service.deployments = [service.deployments[0]] + [
            d for d in service.deployments[1:] if of(d["id"])]

        # Counts, as DescribeServices shows them.
        for deployment in service.deployments:
            tasks = of(deployment["id"])
            deployment["runningCount"] = sum(1 for t in tasks if t.state == "running")
            deployment["pendingCount"] = sum(1 for t in tasks if t.state == "starting")
            deployment["desiredCount"] = desired if deployment is primary else 0
        service.running_count = sum(1 for t in mine if t.state == "running")
        service.pending_count = sum(1 for t in mine if t.state == "starting")

        primary_healthy = [t for t in of(primary["id"]) if healthy(t)]
        if (primary.get("rolloutState") == "IN_PROGRESS" and len(primary_healthy) >= desired
                and len(service.deployments) == 1
                and len(primary_live) == desired):
            primary["rolloutState"] = "COMPLETED"
            primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
            primary["updatedAt"] = utc_now()
            service._mysfits_completed = primary["taskDefinition"]
            self._event(service, f"(service {service.name}) (deployment {primary['id']}) "
                                 "deployment completed.")
            self._event(service, f"(service {service.name}) has reached a steady state.")

    def _fail(self, backend: Any, service: Any, primary: dict[str, Any], rollback: bool) -> None:
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = ("ECS deployment circuit breaker: tasks failed to start.")
        primary["updatedAt"] = utc_now()
        self._event(service, f"(service {service.name}) (deployment {primary['id']}) deployment "
                             "failed: tasks failed to start.")
        previous = getattr(service, "_mysfits_completed", None)
        if not rollback or not previous or previous == primary["taskDefinition"]:
            return
        from moto.moto_api._internal import mock_random

        now = utc_now()
        new = dict(primary)
        new.update({"id": f"ecs-svc/{mock_random.randint(0, 32**12)}", "status": "PRIMARY",
                    "taskDefinition": previous, "failedTasks": 0, "runningCount": 0,
                    "pendingCount": 0, "createdAt": now, "updatedAt": now,
                    "rolloutState": "IN_PROGRESS",
                    "rolloutStateReason": "ECS deployment circuit breaker: rolling back to "
                                          f"the last completed deployment."})
        primary["status"] = "ACTIVE"
        # The tasks still running the revision rolled back to belong to the new deployment.
        key = f"{service.cluster_name}:{service.name}"
        for t in self.tasks.values():
            if t.service == key and t.state != "stopped" and t.task.task_definition_arn == previous:
                t.deployment = new["id"]
                t.task.started_by = new["id"]
        others = [d for d in service.deployments if d is not primary]
        service.deployments = [new, primary] + [d for d in others if d["taskDefinition"] != previous]
        service.task_definition = previous
        self._event(service, f"(service {service.name}) rolling back to deployment {new['id']}.")

    def _orphans(self) -> None:
        """Tasks of services that are being deleted (DRAINING) or gone; a DRAINING
        service becomes INACTIVE once its last task stopped (ECS DeleteService)."""
        live: set[str] = set()
        for local in list(self.tasks.values()):
            if local.state == "stopped" or local.service is None:
                continue
            backend = self._backend_of_task(local)
            service = backend.services.get(local.service) if backend else None
            if service is None or service.status != "ACTIVE":
                self._begin_stop(local, "Service deleted", drain=True)
            live.add(local.service)
        for backend in self._backends():
            for key, service in list(backend.services.items()):
                if service.status == "DRAINING" and key not in live:
                    service.status = "INACTIVE"
                    service.running_count = service.pending_count = 0
                    for deployment in service.deployments:
                        deployment["runningCount"] = deployment["pendingCount"] = 0

    def _count_failure(self, local: LocalTask) -> None:
        if local.counted_failure or local.service is None:
            return
        local.counted_failure = True
        service = self._service_of(local)
        if service is None:
            return
        for deployment in service.deployments:
            if deployment.get("id") == local.deployment:
                deployment["failedTasks"] = int(deployment.get("failedTasks") or 0) + 1

    def _throttle(self, local: LocalTask) -> None:
        """A service task that failed to start delays the next launch of its deployment:
        THROTTLE_FIRST, doubled at each failure up to THROTTLE_MAX (ECS service throttle
        logic; AWS documents the maximum, not the steps)."""
        service = self._service_of(local)
        if service is None:
            return
        throttle = getattr(service, "_mysfits_throttle", None)
        if not throttle or throttle["deployment"] != local.deployment:
            throttle = {"deployment": local.deployment, "failures": 0, "until": 0.0}
            service._mysfits_throttle = throttle
        throttle["failures"] += 1
        delay = min(THROTTLE_FIRST * 2 ** (throttle["failures"] - 1), THROTTLE_MAX)
        throttle["until"] = time.monotonic() + delay
        if throttle["failures"] == 2:
            self._event(service, f"(service {service.name}) is unable to consistently start "
                                 "tasks successfully.")

    def _throttle_reset(self, backend: Any, local: LocalTask) -> None:
        """A task that reached RUNNING ends its deployment's throttle."""
        service = backend.services.get(local.service or "")
        throttle = getattr(service, "_mysfits_throttle", None) if service is not None else None
        if throttle and throttle["deployment"] == local.deployment:
            service._mysfits_throttle = None

    def _throttled(self, service: Any, deployment: dict[str, Any]) -> bool:
        """A new deployment (a new task definition, a rollback) starts unthrottled."""
        throttle = getattr(service, "_mysfits_throttle", None)
        return bool(throttle and throttle["deployment"] == deployment["id"]
                    and time.monotonic() < throttle["until"])
