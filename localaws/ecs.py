"""The ECS data plane: tasks run as podman containers, services roll by the deployment
configuration, gated on the load balancer's health checks, and the deployment circuit
breaker fails and rolls back a deployment whose tasks keep failing.

AWS behaviour copied (ECS Developer Guide):
* Rolling update ("Deploy Amazon ECS services by replacing tasks"): new tasks start while
  the running count stays within ``maximumPercent`` of the desired count; old tasks are
  stopped only while ``minimumHealthyPercent`` of the desired count stays healthy. A
  task behind a load balancer counts as healthy once its targets are ``healthy``.
* Stopping a task behind a load balancer deregisters its targets first and stops the
  task after the target group's deregistration delay; the container gets SIGTERM, then
  SIGKILL after ``stopTimeout`` (default 30 s).
* ``healthCheckGracePeriodSeconds``: ELB health is ignored for that long after a task
  starts; after it, a task with an unhealthy target is stopped with the reason
  "Task failed ELB health checks in (target-group <arn>)".
* An essential container that exits stops its task: "Essential container in task exited".
* A failed image pull stops the task with ``CannotPullContainerError: <the runtime's
  words>`` ("Troubleshooting Amazon ECS CannotPullContainer task errors").
* Service throttle logic ("Amazon ECS service throttle logic"): when a service's tasks
  fail to start (PENDING straight to STOPPED), "the time between subsequent restart
  attempts is incrementally increased up to a maximum of 27 minutes", with the event
  "(service <name>) is unable to consistently start tasks successfully."; a new task
  definition returns the service to normal at once. Tasks that reached RUNNING (a crash,
  failed health checks) are not throttled.
* Deployment circuit breaker ("How the Amazon ECS deployment circuit breaker detects
  failures"): the deployment fails once its failed tasks reach the threshold
  ``max(3, min(200, ceil(0.5 * desiredCount)))``; ``rolloutState`` becomes ``FAILED``
  and, with ``rollback``, a new deployment of the last completed task definition starts.
* A deployment whose tasks are all running and healthy, with no older deployment left,
  is ``COMPLETED`` and the service logs "has reached a steady state".
* ``RunTask`` tasks run until they exit or ``StopTask``; with ``assignPublicIp`` the
  task's public IP is 127.0.0.1 here and its ports are published on the same numbers.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from . import logs, podman
from .health import Health
from .patches import Patching, lock

TICK = 0.5
# Service throttle logic: the first delay after a task failed to start, and the longest.
THROTTLE_FIRST = 10.0
THROTTLE_MAX = 27 * 60.0


def _now() -> Any:
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


class Ecs:
    def __init__(self, engine_id: str, lock: threading.RLock, health: Health,
                 ecs_backends: Any, elbv2_backends: Any, logs_backends: Any,
                 env_for_tasks: Callable[[str], dict[str, str]],
                 hosts_for_tasks: Callable[[str, str], dict[str, str]],
                 registry_host: str, log: Callable[[str], None]):
        self.engine_id = engine_id
        self.lock = lock
        self.health = health
        self.ecs_backends = ecs_backends
        self.elbv2_backends = elbv2_backends
        self.logs_backends = logs_backends
        self.env_for_tasks = env_for_tasks
        self.hosts_for_tasks = hosts_for_tasks
        self.registry_host = registry_host
        self.log = log
        self.tasks: dict[str, LocalTask] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ecs", daemon=True)
        self._last_ps = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    # ------------------------------------------------------------------ loop

    def _loop(self) -> None:
        while not self._stop.wait(TICK):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - one bad tick must not stop the engine
                self.log("ecs tick failed:\n" + traceback.format_exc())

    def _backends(self) -> list[Any]:
        found = []
        for account, regions in list(self.ecs_backends.items()):
            for region, backend in list(regions.items()):
                found.append(backend)
        return found

    def tick(self) -> None:
        now = time.monotonic()
        containers = None
        if now - self._last_ps >= 1.0:
            containers = podman.states(self.engine_id)
            self._last_ps = now
        with self.lock:
            for backend in self._backends():
                self._adopt_run_tasks(backend)
            self._observe(containers, now)
            for backend in self._backends():
                for service in list(backend.services.values()):
                    self._reconcile(backend, service, now)
            self._orphans()

    # -------------------------------------------------------------- tasks

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
        task.created_at = _now()
        task_definition = backend.describe_task_definition(task.task_definition_arn)
        env = self.env_for_tasks(backend.region_name)
        hosts = self.hosts_for_tasks(backend.account_id, backend.region_name)
        load_balancers = list(service.load_balancers) if service is not None else []
        threading.Thread(target=self._run_containers,
                         args=(backend, local, task_definition, env, hosts, load_balancers),
                         name=f"task-{task.id[:8]}", daemon=True).start()

    def _run_containers(self, backend: Any, local: LocalTask, task_definition: Any,
                        env: dict[str, str], hosts: dict[str, str],
                        load_balancers: list[dict[str, Any]]) -> None:
        task = local.task
        try:
            with self.lock:
                task.last_status = "PENDING"
            first = None
            for definition in task_definition.container_definitions:
                image = definition["image"]
                host = image.split("/", 1)[0]
                if host == self.registry_host:
                    try:
                        podman.pull(image)
                    except podman.PodmanError as exc:
                        # ECS's stop reason for a failed pull, with the runtime's words
                        # ("manifest unknown" for a tag or digest the registry lacks).
                        raise podman.PodmanError(f"CannotPullContainerError: {exc}") from exc
                elif not _exists(image):
                    # Never pull from the Internet: only loopback traffic leaves the engine.
                    raise podman.PodmanError(
                        f"CannotPullContainerError: failed to resolve ref {image}: not found: "
                        f"the local engine pulls only from its registry {self.registry_host}, "
                        f"never from the Internet")
                environment = dict(env)
                environment.update({e["name"]: e["value"]
                                    for e in definition.get("environment") or []})
                name = f"mysfits-{task.id[:12]}-{definition['name']}"[:63]
                ports = [int(p["containerPort"]) for p in definition.get("portMappings") or []]
                spec = podman.Spec(name=name, image=image, environment=environment, ports=ports,
                                   publish_same=local.publish_same, hosts=hosts,
                                   labels={"mysfits.task": task.task_arn},
                                   command=definition.get("command"),
                                   entry_point=definition.get("entryPoint"),
                                   network_of=first)
                podman.start(spec, self.engine_id)
                with self.lock:
                    local.containers.append(name)
                first = first or name
                options = (definition.get("logConfiguration") or {}).get("options") or {}
                stream = logs.stream_name(options, definition["name"], task.id)
                if stream and options.get("awslogs-group"):
                    backend_logs = self.logs_backends[backend.account_id][
                        options.get("awslogs-region", backend.region_name)]
                    local.log_threads.append(logs.forward(
                        name, backend_logs, options["awslogs-group"], stream, self.lock))
            ports = podman.published(first) if first else {}
            with self.lock:
                local.host_ports = ports
                if task.desired_status != "RUNNING":
                    return  # stopped while it started; the loop stops the containers
                task.last_status = "RUNNING"
                task.started_at = _now()
                for container in task.containers:
                    container.last_status = "RUNNING"
                local.state = "running"
                local.started = time.monotonic()
                self._throttle_reset(backend, local)
                private_ip = _private_ip(task)
                for entry in load_balancers:
                    group = self._group(backend, entry.get("targetGroupArn"))
                    port = int(entry.get("containerPort") or 0)
                    if group is None or port not in ports:
                        continue
                    self.health.register(group, private_ip, port, ports[port])
                    local.targets.append((group, private_ip, port))
                    service = backend.services.get(local.service or "")
                    if service is not None:
                        self._event(service, f"(service {service.name}) registered 1 targets "
                                             f"in (target-group {group.arn})")
        except Exception as exc:  # noqa: BLE001 - any failure stops the task with its reason
            message = str(exc)
            if not message.startswith(("CannotPull", "CannotStart")):
                message = f"CannotStartContainerError: {message}"
            with self.lock:
                self._stopped(local, message[:1024], exit_code=None)
                self._count_failure(local)
                self._throttle(local)

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

    def _service_of(self, local: LocalTask) -> Any:
        if local.service is None:
            return None
        backend = self._backend_of_task(local)
        return backend.services.get(local.service) if backend else None

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
        task.stopped_at = _now()
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

    # ------------------------------------------------------------ services

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
            primary["updatedAt"] = _now()
            service._mysfits_completed = primary["taskDefinition"]
            self._event(service, f"(service {service.name}) (deployment {primary['id']}) "
                                 "deployment completed.")
            self._event(service, f"(service {service.name}) has reached a steady state.")

    def _fail(self, backend: Any, service: Any, primary: dict[str, Any], rollback: bool) -> None:
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = ("ECS deployment circuit breaker: tasks failed to start.")
        primary["updatedAt"] = _now()
        self._event(service, f"(service {service.name}) (deployment {primary['id']}) deployment "
                             "failed: tasks failed to start.")
        previous = getattr(service, "_mysfits_completed", None)
        if not rollback or not previous or previous == primary["taskDefinition"]:
            return
        from moto.moto_api._internal import mock_random

        now = _now()
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

    # ------------------------------------------------------------ helpers

    def _event(self, service: Any, message: str) -> None:
        from moto.moto_api._internal import mock_random

        events = getattr(service, "events", None)
        if isinstance(events, list):
            events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": _now(),
                              "message": message})
            del events[100:]

    def _group(self, backend: Any, arn: str | None) -> Any:
        if not arn:
            return None
        return self.elbv2_backends[backend.account_id][backend.region_name].target_groups.get(arn)

    def _backend_of_task(self, local: LocalTask) -> Any:
        task = local.task
        return self.ecs_backends[task._account_id][task.region_name]

    def shutdown(self) -> int:
        """Stops every container the engine started (used at exit)."""
        self.stop()
        return podman.remove_all(self.engine_id)


def _private_ip(task: Any) -> str:
    for attachment in getattr(task, "attachments", None) or []:
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return detail["value"]
    return "10.0.0.1"


def _exists(image: str) -> bool:
    return podman.exists(image)


def apply(patching: Patching) -> None:
    """Control-plane changes the data plane needs."""
    from moto.ecs.models import EC2ContainerServiceBackend

    # ListTasks serviceName: "The name of the service to use when filtering the ListTasks
    # results" (moto ignores it); a service's tasks are those of group service:<name>.
    original_list = EC2ContainerServiceBackend.list_tasks

    def list_tasks(self: Any, cluster_str: Any = None, container_instance: Any = None,
                   family: Any = None, started_by: Any = None, service_name: Any = None,
                   desiredStatus: Any = None) -> Any:
        with lock:
            tasks = original_list(self, cluster_str, container_instance, family, started_by,
                                  None, desiredStatus)
            if service_name:
                name = str(service_name).split("/")[-1]
                tasks = [t for t in tasks if t.group == f"service:{name}"]
            return tasks

    patching.replace(EC2ContainerServiceBackend, "list_tasks", list_tasks)

    # RunTask: a new task is PROVISIONING, not yet RUNNING (ECS task lifecycle).
    original_run = EC2ContainerServiceBackend.run_task

    def run_task(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            tasks = original_run(self, *args, **kwargs)
            for task in tasks:
                task.last_status = "PROVISIONING"
            return tasks

    patching.replace(EC2ContainerServiceBackend, "run_task", run_task)

    # DeleteService: "the service status moves from ACTIVE to DRAINING, and the service
    # is no longer visible in ListServices ... After all tasks have transitioned to
    # either STOPPING or STOPPED status, the service status moves from DRAINING to
    # INACTIVE" (moto makes it INACTIVE at once). The engine finishes the move.
    original_delete = EC2ContainerServiceBackend.delete_service

    def delete_service(self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
        with lock:
            service = original_delete(self, cluster_name, service_name, force)
            service.status = "DRAINING"
            return service

    patching.replace(EC2ContainerServiceBackend, "delete_service", delete_service)
    patching.note("ECS ListTasks filters by serviceName; RunTask starts in PROVISIONING; "
                  "DeleteService drains before INACTIVE")
