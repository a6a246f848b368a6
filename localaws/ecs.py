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

import threading
import time
import traceback
from typing import Any, Callable

from . import podman
from .ecs_containers import ContainerStarter
from .ecs_services import THROTTLE_FIRST, THROTTLE_MAX, ServiceScheduler
from .ecs_tasks import LocalTask, TaskLifecycle, utc_now
from .health import Health
from .patches import Patching, lock

__all__ = ["Ecs", "LocalTask", "THROTTLE_FIRST", "THROTTLE_MAX", "apply"]

TICK = 0.5


class Ecs(TaskLifecycle, ContainerStarter, ServiceScheduler):
    """The engine's ECS: one loop that adopts and watches tasks (ecs_tasks.py), starts
    their containers (ecs_containers.py) and reconciles services (ecs_services.py)."""

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

    # ------------------------------------------------------------ helpers

    def _service_of(self, local: LocalTask) -> Any:
        if local.service is None:
            return None
        backend = self._backend_of_task(local)
        return backend.services.get(local.service) if backend else None

    def _event(self, service: Any, message: str) -> None:
        from moto.moto_api._internal import mock_random

        events = getattr(service, "events", None)
        if isinstance(events, list):
            events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": utc_now(),
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
