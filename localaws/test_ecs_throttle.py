"""The ECS service throttle logic of the data plane, on stand-in moto objects (no moto,
no podman): launches wait longer after each task that failed to start, a task that runs
ends the wait, and a new deployment starts unthrottled."""

import threading
from types import SimpleNamespace

from localaws import ecs
from localaws.ecs import THROTTLE_FIRST, THROTTLE_MAX, Ecs, LocalTask


def engine_with_service() -> tuple[Ecs, SimpleNamespace, SimpleNamespace]:
    service = SimpleNamespace(name="web", events=[])
    backend = SimpleNamespace(services={"c:web": service})
    engine = Ecs("test", threading.RLock(), None, {"1": {"us-east-1": backend}}, {}, {},
                 lambda region: {}, lambda account, region: {}, "127.0.0.1:5000",
                 lambda message: None)
    return engine, service, backend


def task(deployment: str) -> LocalTask:
    record = SimpleNamespace(_account_id="1", region_name="us-east-1")
    return LocalTask(record, "c", "c:web", deployment, False)


def test_each_failure_to_start_doubles_the_wait(monkeypatch):
    engine, service, _ = engine_with_service()
    now = [1000.0]
    monkeypatch.setattr(ecs.time, "monotonic", lambda: now[0])
    deployment = {"id": "ecs-svc/1"}
    assert not engine._throttled(service, deployment)
    waits = []
    for _ in range(9):
        engine._throttle(task("ecs-svc/1"))
        waits.append(service._mysfits_throttle["until"] - now[0])
    assert waits[:3] == [THROTTLE_FIRST, 2 * THROTTLE_FIRST, 4 * THROTTLE_FIRST]
    assert max(waits) == THROTTLE_MAX
    assert engine._throttled(service, deployment)
    now[0] += THROTTLE_MAX
    assert not engine._throttled(service, deployment)
    # The event AWS documents, once.
    messages = [e["message"] for e in service.events]
    assert messages == ["(service web) is unable to consistently start tasks successfully."]


def test_a_new_deployment_starts_unthrottled(monkeypatch):
    engine, service, _ = engine_with_service()
    monkeypatch.setattr(ecs.time, "monotonic", lambda: 1000.0)
    engine._throttle(task("ecs-svc/1"))
    assert engine._throttled(service, {"id": "ecs-svc/1"})
    assert not engine._throttled(service, {"id": "ecs-svc/2"})
    # A failure of the new deployment starts its own count at the first step.
    engine._throttle(task("ecs-svc/2"))
    assert service._mysfits_throttle["until"] - 1000.0 == THROTTLE_FIRST


def test_a_task_that_runs_ends_the_wait(monkeypatch):
    engine, service, backend = engine_with_service()
    monkeypatch.setattr(ecs.time, "monotonic", lambda: 1000.0)
    engine._throttle(task("ecs-svc/1"))
    engine._throttle_reset(backend, task("ecs-svc/1"))
    assert not engine._throttled(service, {"id": "ecs-svc/1"})
