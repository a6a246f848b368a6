"""The awslogs log driver: a container's output, line by line, into CloudWatch Logs.

AWS behaviour copied (ECS "Using the awslogs log driver"): each container's stdout and
stderr go to ``awslogs-group`` in the stream ``<awslogs-stream-prefix>/<container
name>/<task id>``, as they are written (not when the task stops).

Not AWS's: the stream of the container that owns the task's network also gets a
``[localaws] …`` line whenever the seal on that network (seal.py) refuses packets, so
that a task calling something other than the engine says why it fails.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Any

from . import podman, seal


def stream_name(options: dict[str, str], container: str, task_id: str) -> str | None:
    prefix = options.get("awslogs-stream-prefix")
    return f"{prefix}/{container}/{task_id}" if prefix else None


def forward(container_id: str, logs_backend: Any, group: str, stream: str,
            lock: threading.RLock) -> threading.Thread:
    """Follows the container's output until it exits; returns the thread doing it."""

    def put(line: str) -> bool:
        event = {"timestamp": int(time.time() * 1000), "message": line}
        with lock:
            try:
                logs_backend.put_log_events(group, stream, [event])
            except Exception:  # noqa: BLE001 - group deleted with the stack
                return False
        return True

    def run() -> None:
        with lock:
            try:
                logs_backend.create_log_stream(group, stream)
            except Exception:  # noqa: BLE001 - the stream exists, or the group is gone
                pass
        done = threading.Event()
        _watch_seal(container_id, put, done)
        command = os.environ.get("MYSFITS_ENGINE_PODMAN", "podman")
        proc = subprocess.Popen([command, "logs", "--follow", container_id],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        for raw in proc.stdout:
            if not put(raw.decode("utf-8", "replace").rstrip("\n")):
                break
        done.set()
        proc.kill()
        proc.wait()

    thread = threading.Thread(target=run, name=f"logs-{container_id[:12]}", daemon=True)
    thread.start()
    return thread


def _watch_seal(container_id: str, put: Any, done: threading.Event) -> None:
    # Only the container that owns the network: the others share its counters.
    out = podman.run(["inspect", "--format", "{{.State.Pid}} {{.HostConfig.NetworkMode}}",
                      container_id], check=False).split()
    if len(out) == 2 and out[0].isdigit() and out[0] != "0" and out[1].startswith("slirp4netns"):
        seal.watch(int(out[0]), put, done)
