"""A Fargate task's start at AWS pace: PROVISIONING while its network interface is
attached, PENDING while its images are pulled (by their size), then its containers start.

AWS ("Amazon ECS task lifecycle",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html):
PROVISIONING: "for tasks that use the awsvpc network mode, the elastic network interface
needs to be provisioned"; PENDING: the container agent pulls the images and starts the
containers; then RUNNING. DescribeTasks records ``connectivityAt``, ``pullStartedAt`` and
``pullStoppedAt``. On Fargate "the whole container image needs to be pulled from the
container image registry for each Fargate task. The time it takes to pull the images is
directly correlated to the time taken to start an Fargate task" ("Linux containers on
Fargate container image pull behavior",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html).

The engine starts a task's containers as soon as podman has them (``ecs_containers.py``).

With ``--pace aws``: the task stays PROVISIONING for "ecs:eni" (``pace.py``), then
PENDING for "ecs:pull-per-mb" times the size of its images (the compressed size the
engine's registry holds, as ECR's; for an image only in podman's storage, its size
there, uncompressed), before its containers start; ``connectivityAt``, ``pullStartedAt``
and ``pullStoppedAt`` say when. A task stopped meanwhile stops at once.
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any, Callable

from . import podman
from .pace import Pace

MB = 1_000_000
_ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json"])
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _manifest(registry_host: str, name: str, reference: str) -> dict[str, Any]:
    request = urllib.request.Request(f"http://{registry_host}/v2/{name}/manifests/{reference}",
                                     headers={"Accept": _ACCEPT})
    with _opener.open(request, timeout=10) as answer:
        return json.loads(answer.read())


def image_bytes(image: str, registry_host: str) -> int:
    """What pulling ``image`` transfers: its layers and config as the registry holds them
    (compressed), or, for an image only in podman's storage, its size there."""
    host, _, path = image.partition("/")
    if host == registry_host:
        if "@" in path:
            name, reference = path.split("@", 1)
        else:
            name, _, reference = path.rpartition(":") if ":" in path else (path, "", "latest")
        try:
            manifest = _manifest(registry_host, name, reference)
            if "manifests" in manifest:  # an index: the first platform's image
                manifest = _manifest(registry_host, name, manifest["manifests"][0]["digest"])
            parts = [manifest.get("config") or {}] + list(manifest.get("layers") or [])
            return sum(int(p.get("size") or 0) for p in parts)
        except (OSError, ValueError, KeyError, IndexError):
            return 0  # the pull itself will say what is wrong
    out = podman.run(["image", "inspect", "--format", "{{.Size}}", image], check=False).strip()
    return int(out) if out.isdigit() else 0


def _wait(until: float, stopped: Callable[[], bool]) -> bool:
    """Sleeps until monotonic ``until``; False as soon as the task is stopped."""
    while time.monotonic() < until:
        if stopped():
            return False
        time.sleep(min(0.05, max(0.0, until - time.monotonic())))
    return not stopped()


def starting(pace: Pace, task: Any, images: list[str], registry_host: str,
             stopped: Callable[[], bool], pending: Callable[[], None]) -> bool:
    """PROVISIONING for the network interface's attachment, then (``pending()``) PENDING
    for the images' pull; False as soon as the task is stopped. The images' size is read
    while the interface attaches (a phase lasts at least as long as that takes)."""
    from moto.core.utils import utcnow

    began = time.monotonic()
    size = sum(image_bytes(image, registry_host) for image in images)
    if not _wait(began + pace.seconds("ecs:eni"), stopped):
        return False
    task.connectivity_at = utcnow()
    pending()
    pulling = time.monotonic()
    task.pull_started_at = utcnow()
    if not _wait(pulling + size / MB * pace.seconds("ecs:pull-per-mb"), stopped):
        return False
    task.pull_stopped_at = utcnow()
    return True
