"""The container engine the local data plane runs tasks with: podman, through its CLI.

Every container carries the label ``mysfits.engine=<engine id>`` so that the engine
finds, and at exit removes, exactly the containers it started and nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field

from . import seal

LABEL = "mysfits.engine"
# Seen from a container started with slirp4netns and allow_host_loopback, this address
# is the host's 127.0.0.1: the way a task reaches the engine's AWS endpoint and load
# balancers while every packet on the host stays on loopback. The only address outside
# the container a task can reach (seal.py).
HOST_LOOPBACK = seal.ENGINE


class PodmanError(RuntimeError):
    pass


def _podman() -> list[str]:
    return [os.environ.get("MYSFITS_ENGINE_PODMAN", "podman")]


def run(args: list[str], timeout: float = 300, check: bool = True,
        options: list[str] | None = None) -> str:
    """``podman [options] args``; options are podman's own (global) flags."""
    try:
        done = subprocess.run(_podman() + (options or []) + args, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PodmanError(f"podman {args[0]} timed out after {timeout:.0f}s") from exc
    if check and done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PodmanError(f"podman {' '.join(args[:2])} failed: {' / '.join(last)}")
    return done.stdout


@dataclass
class TaskNetwork:
    """What the engine gives every task's network besides the seal (localaws/seal.py):
    where the task's ``10.0.2.2:443`` leads (the engine's TLS front for the standard
    AWS host names, localaws/aws_names.py; 0: nowhere), and files mounted read-only
    into every container (host path, container path), e.g. the CA that signs it."""

    https_port: int = 0
    mounts: list[tuple[str, str]] = field(default_factory=list)


# Set once by the engine at start; the engine check uses the default (the seal alone).
TASKS = TaskNetwork()


@dataclass
class Spec:
    """One container of a task, as the task definition and the engine say."""

    name: str
    image: str
    environment: dict[str, str]
    ports: list[int]
    publish_same: bool  # publish each port on the same host port (a task's "public IP")
    hosts: dict[str, str]
    labels: dict[str, str]
    command: list[str] | None = None
    entry_point: list[str] | None = None
    network_of: str | None = None  # share the network of this container (awsvpc task)


def pull(image: str) -> None:
    """Pull from the engine's own registry (plain HTTP on loopback)."""
    run(["pull", "--quiet", "--tls-verify=false", image], timeout=600)


def start(spec: Spec, engine_id: str) -> str:
    """Start one container of a task. The first container of a task owns its network and
    is sealed before its first instruction runs (seal.py, as an OCI prestart hook)."""
    args = ["run", "--detach", "--init", "--name", spec.name, "--label", f"{LABEL}={engine_id}"]
    for key, value in spec.labels.items():
        args += ["--label", f"{key}={value}"]
    for host_path, path in TASKS.mounts:
        args += ["--volume", f"{host_path}:{path}:ro"]
    if spec.network_of:
        args += ["--network", f"container:{spec.network_of}"]
    else:
        args += ["--network", "slirp4netns:allow_host_loopback=true",
                 "--annotation", f"{seal.ANNOTATION}=1"]
        for port in spec.ports:
            host = f"127.0.0.1:{port}:" if spec.publish_same else "127.0.0.1::"
            args += ["--publish", f"{host}{port}"]
        for host, address in spec.hosts.items():
            args += ["--add-host", f"{host}:{address}"]
    for key, value in spec.environment.items():
        args += ["--env", f"{key}={value}"]
    if spec.entry_point:
        args += ["--entrypoint", json.dumps(spec.entry_point)]
    args.append(spec.image)
    args += spec.command or []
    return run(args, timeout=300, options=["--hooks-dir", seal.hooks_dir(TASKS.https_port)]).strip()


def pid(name: str) -> int | None:
    """The pid of a running container's first process (its namespaces' owner)."""
    out = run(["inspect", "--format", "{{.State.Pid}}", name], check=False).strip()
    return int(out) if out.isdigit() and out != "0" else None


def published(name: str) -> dict[int, int]:
    """Container port -> host port on 127.0.0.1."""
    out = run(["port", name], check=False)
    ports: dict[int, int] = {}
    for line in out.splitlines():
        # 80/tcp -> 127.0.0.1:41234
        left, _, right = line.partition(" -> ")
        if right:
            ports[int(left.split("/")[0])] = int(right.rsplit(":", 1)[1])
    return ports


def states(engine_id: str) -> dict[str, tuple[str, int | None]]:
    """Name -> (state, exit code) of every container this engine started."""
    out = run(["ps", "--all", "--filter", f"label={LABEL}={engine_id}", "--format", "json"],
              check=False)
    try:
        rows = json.loads(out or "[]")
    except json.JSONDecodeError:
        return {}
    result: dict[str, tuple[str, int | None]] = {}
    for row in rows:
        names = row.get("Names") or []
        name = names[0] if names else row.get("Id", "")
        exited = bool(row.get("Exited"))
        result[name] = (row.get("State", "unknown"), row.get("ExitCode") if exited else None)
    return result


def exists(image: str) -> bool:
    done = subprocess.run(_podman() + ["image", "exists", image], capture_output=True)
    return done.returncode == 0


def stop(name: str, timeout: int) -> None:
    run(["stop", "--time", str(timeout), name], timeout=timeout + 30, check=False)


def remove(name: str) -> None:
    run(["rm", "--force", "--volumes", name], timeout=60, check=False)


def remove_all(engine_id: str) -> int:
    names = list(states(engine_id))
    for name in names:
        remove(name)
    return len(names)


def untag(image: str) -> None:
    run(["untag", image, image], timeout=60, check=False)
