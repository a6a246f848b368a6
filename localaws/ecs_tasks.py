"""A task's life in the ECS data plane: adopted from RunTask or made for a service,
launched (``ecs_containers.py`` starts its containers), watched (an essential container
that exits, failed ELB health checks after the grace period), stopped (targets
deregistered and drained first, then SIGTERM and SIGKILL after ``stopTimeout``), and
recorded as ECS records a stopped task (stop code, reason, exit codes, ENI released)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from . import podman

__all__ = ["LocalTask", "TaskLifecycle", "utc_now"]


def utc_now() -> Any:
    from moto.core.utils import utcnow

    return utcnow()


@dataclass
class LocalTask:
    task: Any  # moto's Task
    cluster: str
    service: str | None  # cluster:service key, or None for RunTask
    deployment: str | None
    publish_same: bool
    containers: list[str] = field(default_factory=list)
    host_ports: dict[int, int] = field(default_factory=dict)
    targets: list[tuple[Any, str, int]] = field(default_factory=list)
    state: str = "starting"  # starting, running, draining, stopping, stopped
    started: float | None = None
    drain_until: float = 0.0
    ever_healthy: bool = False
    counted_failure: bool = False
    reason: str = ""
    log_threads: list[threading.Thread] = field(default_factory=list)


class TaskLifecycle:
    """The task half of ``Ecs`` (a mixin: the state is Ecs's)."""

    def _adopt_run_tasks(self, backend: Any) -> None:
        """Tasks that RunTask made (moto made the record; the engine runs it)."""
        for cluster_tasks in list(backend.tasks.values()):
            for arn, task in list(cluster_tasks.items()):
                if arn in self.tasks or task.desired_status != "RUNNING":
                    continue
                if getattr(task, "_mysfits_engine", None) is not None:
                    continue
                config = (getattr(task, "network_configuration", None) or {}).get(
                    "awsvpcConfiguration") or {}
                public = str(config.get("assignPublicIp", "DISABLED")).upper() == "ENABLED"
                local = LocalTask(task, task.cluster_name, None, None, public)
                task._mysfits_engine = self.engine_id
                self.tasks[arn] = local
                self._launch(backend, local)

    def _new_service_task(self, backend: Any, service: Any, deployment: dict[str, Any]) -> None:
        from moto.ecs.models import Task

        cluster = backend.clusters[service.cluster_name]
        task_definition = backend.describe_task_definition(deployment["taskDefinition"])
        task = Task(cluster, task_definition, None, None, backend, group=f"service:{service.name}",
                    launch_type=service.launch_type or "FARGATE", started_by=deployment["id"],
                    tags=list(service.tags) if service.propagate_tags == "SERVICE" else [],
                    networking_configuration=service.network_configuration,
                    platform_version=service.platform_version)
        task._mysfits_engine = self.engine_id
        backend.tasks.setdefault(cluster.name, {})[task.task_arn] = task
        local = LocalTask(task, cluster.name, f"{cluster.name}:{service.name}", deployment["id"],
                          False)
        self.tasks[task.task_arn] = local
        self._event(service, f"(service {service.name}) has started 1 tasks: (task {task.id}).")
        self._launch(backend, local, service)

    def _launch(self, backend: Any, local: LocalTask, service: Any = None) -> None:
        task = local.task
        task.last_status = "PROVISIONING"
        task.created_at = utc_now()
        task_definition = backend.describe_task_definition(task.task_definition_arn)
        env = self.env_for_tasks(backend.region_name)
        hosts = self.hosts_for_tasks(backend.account_id, backend.region_name)
        load_balancers = list(service.load_balancers) if service is not None else []
        threading.Thread(target=self._run_containers,
                         args=(backend, local, task_definition, env, hosts, load_balancers),
                         name=f"task-{task.id[:8]}", daemon=True).start()

    def _observe(self, containers: dict[str, tuple[str, int | None]] | None, now: float) -> None:
        for local in list(self.tasks.values()):
            task = local.task
            if local.state == "stopped":
                continue
            if local.state in ("starting", "running") and task.desired_status == "STOPPED":
                # StopTask through the API (moto already wrote STOPPED): stop for real.
                self._begin_stop(local, task.stopped_reason or "Task stopped by user", drain=False)
            if local.state == "running" and containers is not None:
                for name in local.containers:
                    state, code = containers.get(name, ("gone", None))
                    if state in ("exited", "stopped", "gone", "dead"):
                        self._stopped(local, "Essential container in task exited", exit_code=code)
                        self._count_failure(local)
                        break
            if local.state == "running" and local.service is not None:
                self._judge_health(local, now)
            if local.state == "draining" and now >= local.drain_until:
                self._stop_containers(local)

    def _judge_health(self, local: LocalTask, now: float) -> None:
        backend = self._backend_of_task(local)
        service = backend.services.get(local.service or "") if backend else None
        if service is None or not local.targets:
            return
        states = [self.health.state(g.arn, tid, port) for g, tid, port in local.targets]
        if all(s is not None and s.state == "healthy" for s in states):
            local.ever_healthy = True
            return
        grace = int(getattr(service, "health_check_grace_period_seconds", None) or 0)
        if local.started is None or now - local.started < grace:
            return
        for (group, _, _), state in zip(local.targets, states):
            if state is not None and state.state == "unhealthy":
                self._begin_stop(local, f"Task failed ELB health checks in (target-group "
                                        f"{group.arn})", drain=False)
                self._count_failure(local)
                return

    def _begin_stop(self, local: LocalTask, reason: str, drain: bool) -> None:
        if local.state in ("draining", "stopping", "stopped"):
            return
        task = local.task
        task.desired_status = "STOPPED"
        task.stopped_reason = task.stopped_reason or reason
        local.reason = reason
        until = time.monotonic()
        for group, target_id, port in local.targets:
            until = max(until, self.health.deregister(group, target_id, port))
        if local.state == "starting":
            # Still starting: the starter thread sees desired STOPPED and returns.
            local.state = "draining"
            local.drain_until = until
            return
        task.last_status = "DEACTIVATING" if local.targets else "STOPPING"
        local.state = "draining"
        local.drain_until = until if drain else time.monotonic()
        if local.service is not None and local.targets:
            backend = self._backend_of_task(local)
            service = backend.services.get(local.service) if backend else None
            if service is not None:
                groups = ", ".join(sorted({g.arn for g, _, _ in local.targets}))
                self._event(service, f"(service {service.name}) deregistered 1 targets in "
                                     f"(target-group {groups})")

    def _stop_containers(self, local: LocalTask) -> None:
        local.state = "stopping"
        local.task.last_status = "STOPPING"
        names = list(local.containers)
        timeout = 30
        definition = None
        backend = self._backend_of_task(local)
        if backend is not None:
            try:
                definition = backend.describe_task_definition(local.task.task_definition_arn)
            except Exception:  # noqa: BLE001 - deregistered meanwhile
                definition = None
        if definition is not None:
            timeout = int((definition.container_definitions[0] or {}).get("stopTimeout") or 30)

        def stop() -> None:
            codes = []
            for name in reversed(names):
                podman.stop(name, timeout)
                state = podman.states(self.engine_id).get(name, ("gone", None))
                codes.append(state[1])
                podman.remove(name)
            with self.lock:
                self._stopped(local, local.reason or "Task stopped", exit_code=codes[-1] if codes else None,
                              remove=False)

        threading.Thread(target=stop, name=f"stop-{local.task.id[:8]}", daemon=True).start()

    def _stopped(self, local: LocalTask, reason: str, exit_code: int | None,
                 remove: bool = True) -> None:
        """The task is over: record it as ECS does, release its targets and address."""
        if local.state == "stopped":
            return
        task = local.task
        for group, target_id, port in local.targets:
            self.health.deregister(group, target_id, port)
        task.desired_status = "STOPPED"
        task.last_status = "STOPPED"
        task.stopped_reason = task.stopped_reason or reason
        if reason.startswith("Cannot"):
            task.stop_code = "TaskFailedToStart"
        elif "exited" in reason:
            task.stop_code = "EssentialContainerExited"
        elif local.service is None:
            task.stop_code = "UserInitiated"
        else:
            task.stop_code = "ServiceSchedulerInitiated"
        task.stopped_at = utc_now()
        for container in task.containers:
            container.last_status = "STOPPED"
            # No exit code for a container that never ran (AWS leaves it out).
            container.exit_code = exit_code
            container.exitCode = exit_code
            container.reason = reason
        local.state = "stopped"
        self._release_eni(task)
        if remove:
            names = list(local.containers)
            threading.Thread(target=lambda: [podman.remove(n) for n in names], daemon=True).start()

    def _release_eni(self, task: Any) -> None:
        from moto.ec2.models import ec2_backends

        backend = ec2_backends[task._account_id][task.region_name]
        for attachment in getattr(task, "attachments", None) or []:
            for detail in attachment.get("details", []):
                if detail.get("name") == "networkInterfaceId" and detail.get("value") in backend.enis:
                    backend.delete_network_interface(detail["value"])
            attachment["status"] = "DELETED"
