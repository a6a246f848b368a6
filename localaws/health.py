"""Target health: the load balancer's health checks, run for real against the
containers, and what ELBv2 ``DescribeTargetHealth`` reports from them.

AWS behaviour copied (ELB User Guide, "Health checks for your target groups"):
* A newly registered target is ``initial`` until it passes ``HealthyThresholdCount``
  consecutive checks (then ``healthy``) or fails ``UnhealthyThresholdCount`` (then
  ``unhealthy``); checks run every ``HealthCheckIntervalSeconds`` with
  ``HealthCheckTimeoutSeconds``, and a check passes when the status is in ``Matcher``.
* A deregistered target is ``draining`` for ``deregistration_delay.timeout_seconds``,
  then gone; the load balancer sends it no new requests meanwhile.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .patches import Patching

REASONS = {
    "initial": ("Elb.RegistrationInProgress", "Target registration is in progress"),
    "unhealthy": ("Target.ResponseCodeMismatch", "Health checks failed"),
    "draining": ("Target.DeregistrationInProgress", "Target deregistration is in progress"),
}


def matches(code: int, matcher: str) -> bool:
    """ELB matcher syntax: "200", "200,302", "200-399"."""
    for part in (matcher or "200").split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            if int(low) <= code <= int(high):
                return True
        elif part and int(part) == code:
            return True
    return False


def _first_check() -> float:
    """Seconds from registration to the first check: 1, or AWS's (pace_elb.py)."""
    from . import pace

    model = pace.current()
    return model.seconds("elb:registration") if model is not None else 1.0


@dataclass
class Target:
    group_arn: str
    target_id: str  # the task's private IP, as ECS registers it
    port: int  # the container port, as registered
    host_port: int  # where it really listens on 127.0.0.1
    state: str = "initial"
    passes: int = 0
    fails: int = 0
    next_check: float = 0.0
    drain_until: float | None = None
    last_code: int | None = None
    changed: list[tuple[float, str]] = field(default_factory=list)


class Health:
    """Registry of targets and their health; one checker thread for all of them."""

    def __init__(self, elbv2_backend_of: Any):
        self._backend_of = elbv2_backend_of  # (account, region) -> elbv2 backend
        self._targets: dict[tuple[str, str, int], Target] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="health", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    # The load balancer's view -------------------------------------------------

    def endpoints(self, group_arn: str) -> list[tuple[str, int, str]]:
        with self._lock:
            return [("127.0.0.1", t.host_port, t.state) for t in self._targets.values()
                    if t.group_arn == group_arn]

    def draining(self, group_arn: str) -> list[Target]:
        with self._lock:
            return [t for t in self._targets.values()
                    if t.group_arn == group_arn and t.drain_until is not None]

    def state(self, group_arn: str, target_id: str, port: int) -> Target | None:
        with self._lock:
            return self._targets.get((group_arn, target_id, port))

    # ECS's side: register and deregister ---------------------------------------

    def register(self, group: Any, target_id: str, port: int, host_port: int) -> None:
        with self._lock:
            group.register([{"Id": target_id, "Port": port}])
            self._targets[(group.arn, target_id, port)] = Target(
                group.arn, target_id, port, host_port, next_check=time.monotonic() + _first_check())

    def deregister(self, group: Any, target_id: str, port: int) -> float:
        """Starts draining; returns when the target is gone (monotonic seconds)."""
        with self._lock:
            target = self._targets.get((group.arn, target_id, port))
            if target is None or target.drain_until is not None:
                return target.drain_until if target else time.monotonic()
            delay = int(group.attributes.get("deregistration_delay.timeout_seconds", 300))
            target.drain_until = time.monotonic() + delay
            target.state = "draining"
            try:
                group.deregister([{"Id": target_id, "Port": port}])
            except Exception:  # noqa: BLE001 - already deregistered through the API
                pass
            return target.drain_until

    def forget_group(self, group_arn: str) -> None:
        with self._lock:
            for key in [k for k in self._targets if k[0] == group_arn]:
                del self._targets[key]

    # The checker --------------------------------------------------------------

    def _check(self, target: Target, group: Any) -> None:
        path = group.health_check_path or "/"
        timeout = float(group.health_check_timeout_seconds or 5)
        code = None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", target.host_port, timeout=timeout)
            conn.request("GET", path, headers={"User-Agent": "ELB-HealthChecker/2.0"})
            code = conn.getresponse().status
            conn.close()
        except (OSError, http.client.HTTPException):
            code = None
        matcher = (group.matcher or {}).get("HttpCode", "200") if isinstance(group.matcher, dict) else "200"
        ok = code is not None and matches(code, matcher)
        with self._lock:
            target.last_code = code
            if target.drain_until is not None:
                return
            if ok:
                target.passes, target.fails = target.passes + 1, 0
                if target.state != "healthy" and target.passes >= int(group.healthy_threshold_count):
                    target.state = "healthy"
                    target.changed.append((time.monotonic(), "healthy"))
            else:
                target.fails, target.passes = target.fails + 1, 0
                if target.state != "unhealthy" and target.fails >= int(group.unhealthy_threshold_count):
                    target.state = "unhealthy"
                    target.changed.append((time.monotonic(), "unhealthy"))

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            now = time.monotonic()
            with self._lock:
                due = []
                for key, target in list(self._targets.items()):
                    if target.drain_until is not None and now >= target.drain_until:
                        del self._targets[key]
                        continue
                    if target.drain_until is None and now >= target.next_check:
                        due.append(target)
            for target in due:
                group = self._group(target.group_arn)
                if group is None:
                    self.forget_group(target.group_arn)
                    continue
                target.next_check = now + float(group.health_check_interval_seconds or 30)
                threading.Thread(target=self._check, args=(target, group), daemon=True).start()

    def _group(self, arn: str) -> Any:
        parts = arn.split(":")
        backend = self._backend_of(parts[4], parts[3])
        return backend.target_groups.get(arn)


def apply(patching: Patching, health: Health) -> None:
    """DescribeTargetHealth answers from the checks above."""
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    original = FakeTargetGroup.health_for

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        port = int(target.get("Port") or self.port or 0)
        known = health.state(self.arn, target["Id"], port)
        if known is None:
            return original(self, target, ec2_backend)
        reason, description = REASONS.get(known.state, (None, None))
        return FakeHealthStatus(known.target_id, str(known.port), self.health_check_port,
                                known.state, reason, description)

    patching.replace(FakeTargetGroup, "health_for", health_for)

    # DescribeTargetHealth without Targets lists the draining targets too, until their
    # deregistration delay is over (moto lists only registered ones).
    from moto.elbv2.models import ELBv2Backend

    original_describe = ELBv2Backend.describe_target_health

    def describe_target_health(self: Any, target_group_arn: str, targets: Any) -> Any:
        found = original_describe(self, target_group_arn, targets)
        if targets:
            return found
        listed = {(h.instance_id, str(h.port)) for h in found}
        group = self.target_groups.get(target_group_arn)
        for target in health.draining(target_group_arn):
            if (target.target_id, str(target.port)) not in listed:
                reason, description = REASONS["draining"]
                found.append(FakeHealthStatus(target.target_id, str(target.port),
                                              group.health_check_port if group else None,
                                              "draining", reason, description))
        return found

    patching.replace(ELBv2Backend, "describe_target_health", describe_target_health)
    patching.note("ELBv2 DescribeTargetHealth: real health checks of the task containers, "
                  "draining targets listed")
