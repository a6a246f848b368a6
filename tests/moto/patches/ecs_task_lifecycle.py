"""ECS tasks stay RUNNING until they are stopped.

AWS (ECS task lifecycle): a task stays RUNNING until it is stopped (StopTask, a
deployment, or its essential container exiting).

moto 5.2: its Task is a ManagedState, model ``ecs::task``, with the transitions RUNNING
-> DEACTIVATING -> STOPPING -> DEPROVISIONING -> STOPPED and the default transition
``{"progression": "manual", "times": 1}``, so every DescribeTasks moves a task one state
towards STOPPED although nothing stopped it.

The patch registers ``manual`` with an unreachable number of DescribeTasks calls as the
default transition of moto's own state manager, so a test can still override it with
``POST /moto-api/state-manager/set-transition`` and ``unset-transition`` comes back to
it; moto's StopTask sets STOPPED itself. The pin is only right while moto starts a task
in RUNNING (a task started in PROVISIONING would be held there), so a task that starts
in any other state fails RunTask with a 500 naming this patch.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from ._shared import PatchError

TASK_MODEL = "ecs::task"


def apply(applied: list[str]) -> None:
    from moto.ecs.models import Task
    from moto.moto_api import state_manager

    try:
        source = inspect.getsource(Task)
    except (OSError, TypeError):
        source = ""
    if TASK_MODEL not in state_manager.get_registered_models() or (source and TASK_MODEL not in source):
        raise PatchError(f"moto's ECS task is no longer the managed model {TASK_MODEL!r}")
    state_manager.register_default_transition(
        model_name=TASK_MODEL, transition={"progression": "manual", "times": sys.maxsize}
    )

    initialised = Task.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        initialised(self, *args, **kwargs)
        first = self._transitions[0][0] if getattr(self, "_transitions", None) else None
        if first != "RUNNING":
            raise PatchError(f"moto's ECS task now starts in {first!r}, not RUNNING: the "
                             f"{TASK_MODEL} transition pin in patches/ecs_task_lifecycle.py "
                             "needs revisiting")

    __init__.__doc__ = initialised.__doc__
    Task.__init__ = __init__  # type: ignore[method-assign]
    applied.append(f"ECS tasks stay RUNNING until StopTask (state manager {TASK_MODEL})")
