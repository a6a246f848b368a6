"""How a task's containers run under podman: images only from the engine's registry or
podman's own storage (never the Internet: ``CannotPullContainerError`` otherwise), the
run spec of each container definition (environment, ports, command, the task's network
shared with its first container, the hosts that reach the engine), awslogs forwarding,
and, once all run, the task RUNNING with its targets registered for health checks."""

from __future__ import annotations

import time
from typing import Any

from . import logs, pace as pace_model, pace_tasks, podman
from .ecs_tasks import LocalTask, utc_now

__all__ = ["ContainerStarter"]


class ContainerStarter:
    """The container half of ``Ecs`` (a mixin: the state is Ecs's)."""

    def _run_containers(self, backend: Any, local: LocalTask, task_definition: Any,
                        env: dict[str, str], hosts: dict[str, str],
                        load_balancers: list[dict[str, Any]]) -> None:
        task = local.task
        try:
            pace = pace_model.current()

            def stopped() -> bool:
                return task.desired_status != "RUNNING"

            def pending() -> None:
                with self.lock:
                    task.last_status = "PENDING"

            if pace is None:
                pending()
            elif not pace_tasks.starting(
                    pace, task, [d["image"] for d in task_definition.container_definitions],
                    self.registry_host, stopped, pending):
                return  # stopped meanwhile (AWS pace, pace_tasks.py); the loop records it
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
                task.started_at = utc_now()
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


def _private_ip(task: Any) -> str:
    for attachment in getattr(task, "attachments", None) or []:
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return detail["value"]
    return "10.0.0.1"


def _exists(image: str) -> bool:
    return podman.exists(image)
