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
in RUNNING (a task started in PROVISIONING would be held there): the patch reads the
first transition of moto's Task from its source, and refuses to apply, naming itself,
when that is not RUNNING.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

from ._shared import PatchError, Patching, unpatched

TASK_MODEL = "ecs::task"


def _first_state(init: object) -> str | None:
    """The first state of the ``transitions=[...]`` literal in moto's ``Task.__init__``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))  # type: ignore[arg-type]
    except (OSError, TypeError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "transitions":
            try:
                return ast.literal_eval(node.value)[0][0]
            except (ValueError, IndexError, TypeError):
                return None
    return None


def apply(patching: Patching) -> None:
    from moto.ecs.models import Task
    from moto.moto_api import state_manager

    try:
        source = inspect.getsource(Task)
    except (OSError, TypeError):
        source = ""
    if TASK_MODEL not in state_manager.get_registered_models() or (source and TASK_MODEL not in source):
        raise PatchError(f"moto's ECS task is no longer the managed model {TASK_MODEL!r}")
    first = _first_state(unpatched(Task, "__init__"))
    if first != "RUNNING":
        raise PatchError(f"moto's ECS task now starts in {first!r}, not RUNNING: the "
                         f"{TASK_MODEL} transition pin in patches/ecs_task_lifecycle.py "
                         "needs revisiting")
    state_manager.register_default_transition(
        model_name=TASK_MODEL, transition={"progression": "manual", "times": sys.maxsize}
    )
    patching.note(f"ECS tasks stay RUNNING until StopTask (state manager {TASK_MODEL})")
