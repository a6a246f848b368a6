"""CloudFormation at AWS pace: a stack operation takes the time its timeline says
(``pace_timeline.py``), and the read APIs answer by that timeline.

AWS (CloudFormation API reference and user guide):

* CreateStack, UpdateStack and DeleteStack return at once; the stack is then
  ``CREATE_IN_PROGRESS`` / ``UPDATE_IN_PROGRESS`` (``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``
  while removed resources are deleted) / ``DELETE_IN_PROGRESS`` until its last resource
  is done ("Stack status codes",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html).
* DescribeStackEvents lists, newest first, the stack's ``*_IN_PROGRESS`` ("User
  Initiated"), each resource's ``CREATE_IN_PROGRESS`` (then again with "Resource creation
  Initiated" and its physical id), ``CREATE_IN_PROGRESS`` with DetailedStatus
  ``CONFIGURATION_COMPLETE`` and ``CREATE_COMPLETE``, and the stack's ``*_COMPLETE``.
* DescribeStackResources lists the resources CloudFormation has started on, each with
  its own status; a stack's Outputs are there once it is ``CREATE_COMPLETE``.
* A stack being deleted is still found by its name until ``DELETE_COMPLETE``.
* UpdateStack on a stack with an operation in progress: ValidationError "Stack:<id> is
  in <status> state and can not be updated."

moto 5.2 does the whole operation inside the call and answers ``*_COMPLETE`` at once.

The patch (applied only with ``--pace aws``) lets moto do the operation as before (the
resources exist, and are deleted, when moto makes them so), records a timeline for it,
and makes DescribeStacks, ListStacks, DescribeStackEvents, DescribeStackResource(s) and
ListStackResources answer by it; moto's own events of the operation are replaced by
the timeline's. A load balancer of the stack becomes active at its ``CREATE_COMPLETE``
(``pace_elb.py``). A stack that moto fails to create, update or delete fails at once,
as without pace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import pace_timeline
from .pace import Pace
from .pace_timeline import Step
from .patches import Patching, lock

ALB = "AWS::ElasticLoadBalancingV2::LoadBalancer"


@dataclass
class Operation:
    stack_id: str
    verb: str  # CREATE, UPDATE or DELETE
    began: float  # pace clock
    began_wall: datetime  # naive UTC, as moto keeps times
    steps: dict[str, Step]
    end: float
    cleanup: float | None = None  # UPDATE: when the removed resources' deletion begins
    resources: dict[str, Any] = field(default_factory=dict)  # logical id -> moto's resource
    outputs_before: Any = None
    events: list[Any] = field(default_factory=list)  # (offset, moto Event)

    def elapsed(self, now: float) -> float:
        return now - self.began

    def running(self, now: float) -> bool:
        return self.elapsed(now) < self.end

    def stack_status(self, now: float) -> str:
        if self.verb == "UPDATE" and self.cleanup is not None and self.elapsed(now) >= self.cleanup \
                and any(s.verb == "DELETE" for s in self.steps.values()):
            return "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        return f"{self.verb}_IN_PROGRESS"


class Timelines:
    """Every paced operation of this engine, by stack id, oldest first."""

    def __init__(self, pace: Pace):
        self.pace = pace
        self.ops: dict[str, list[Operation]] = {}
        self.deleting: dict[str, Any] = {}  # stack id -> moto Stack, while DELETE_IN_PROGRESS

    def now(self) -> float:
        return self.pace.clock()

    def last(self, stack_id: str) -> Operation | None:
        ops = self.ops.get(stack_id)
        return ops[-1] if ops else None

    def running(self, stack_id: str) -> Operation | None:
        op = self.last(stack_id)
        return op if op is not None and op.running(self.now()) else None

    # -- recording

    def record(self, stack: Any, verb: str, steps: dict[str, Step],
               resources: dict[str, Any], cleanup: float | None = None,
               outputs_before: Any = None) -> Operation:
        from moto.core.utils import utcnow

        end = max((s.end for s in steps.values()), default=0.0)
        op = Operation(stack.stack_id, verb, self.now(), utcnow(), steps, end, cleanup,
                       resources, outputs_before)
        op.events = self._events(stack, op)
        self.ops.setdefault(stack.stack_id, []).append(op)
        if verb != "DELETE":
            for lid, step in steps.items():
                made = resources.get(lid)
                if step.cfn_type == ALB and step.verb == "CREATE" and made is not None:
                    self.pace.set_lb_active_at(made.physical_resource_id, op.began + step.end)
        return op

    def _events(self, stack: Any, op: Operation) -> list[tuple[float, Any]]:
        from moto.cloudformation.models import Event

        def event(offset: float, lid: str, physical: str, cfn_type: str, status: str,
                  reason: str | None = None, detailed: str | None = None) -> tuple[float, Any]:
            made = Event(stack.stack_id, stack.name, lid, physical, cfn_type, status, reason, None)
            made.timestamp = op.began_wall + timedelta(seconds=offset)
            made.detailed_status = detailed
            return offset, made

        stack_type = "AWS::CloudFormation::Stack"
        found = [event(0.0, stack.name, stack.stack_id, stack_type, f"{op.verb}_IN_PROGRESS",
                       "User Initiated")]
        for lid, step in sorted(op.steps.items(), key=lambda kv: (kv[1].start, kv[0])):
            made = op.resources.get(lid)
            physical = str(getattr(made, "physical_resource_id", "") or "")
            found.append(event(step.start, lid, "" if step.verb == "CREATE" else physical,
                               step.cfn_type, f"{step.verb}_IN_PROGRESS"))
            if step.verb == "CREATE":
                found.append(event(step.start + 0.001, lid, physical, step.cfn_type,
                                   "CREATE_IN_PROGRESS", "Resource creation Initiated"))
                if step.configured < step.end:
                    found.append(event(step.configured, lid, physical, step.cfn_type,
                                       "CREATE_IN_PROGRESS", None, "CONFIGURATION_COMPLETE"))
            found.append(event(step.end, lid, physical, step.cfn_type, f"{step.verb}_COMPLETE"))
        if op.verb == "UPDATE" and op.cleanup is not None and any(
                s.verb == "DELETE" for s in op.steps.values()):
            found.append(event(op.cleanup, stack.name, stack.stack_id, stack_type,
                               "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"))
        # The stack's own end: what moto made of it (its status now).
        found.append(event(op.end + 0.001, stack.name, stack.stack_id, stack_type,
                           stack.__dict__.get("status") or f"{op.verb}_COMPLETE"))
        return found

    # -- views

    def events(self, stack: Any, stored: list[Any]) -> list[Any]:
        now = self.now()
        shown = list(stored)
        for op in self.ops.get(stack.stack_id, []):
            shown.extend(e for offset, e in op.events if offset <= op.elapsed(now))
        return sorted(shown, key=lambda e: e.timestamp)

    def resource_status(self, stack_id: str, lid: str) -> str | None:
        """The resource's status now; None while it does not exist yet (or any more);
        ``"?"`` when no paced operation knows it."""
        now = self.now()
        status: str | None = "?"
        for op in self.ops.get(stack_id, []):
            step = op.steps.get(lid)
            if step is None:
                continue
            t = op.elapsed(now)
            if t < step.start:
                return None if step.verb == "CREATE" else status
            if step.verb == "DELETE" and t >= step.end and op.verb == "UPDATE":
                status = None  # removed by an update: gone from the stack
            else:
                status = f"{step.verb}_IN_PROGRESS" if t < step.end else f"{step.verb}_COMPLETE"
        return status

    def resources(self, stack: Any) -> list[Any]:
        """The stack's resources as DescribeStackResources lists them now."""
        known: dict[str, Any] = {}
        for op in self.ops.get(stack.stack_id, []):
            known.update(op.resources)
        if stack.stack_id not in self.deleting and stack.__dict__.get("status") != "DELETE_COMPLETE":
            # Only a standing stack: moto's map would make a deleted stack's resources again.
            for made in list(stack.stack_resources):
                lid = getattr(made, "logical_resource_id", None)
                if lid:
                    known[lid] = made
        shown = []
        for lid, made in known.items():
            if self.resource_status(stack.stack_id, lid) is not None:
                shown.append(made)
        return shown


def _resources_of(stack: Any) -> dict[str, Any]:
    """The resources moto made for the stack (logical id -> model), without making any."""
    template = (stack.template_dict or {}).get("Resources") or {}
    parsed = stack.resource_map._parsed_resources
    return {lid: parsed[lid] for lid in template
            if lid in parsed and parsed[lid] is not None and not isinstance(parsed[lid], str)}


def _bodies(stack: Any, lids: Any) -> dict[str, dict[str, Any]]:
    template = (stack.template_dict or {}).get("Resources") or {}
    return {lid: template[lid] for lid in lids}


def apply(patching: Patching, pace: Pace) -> Timelines:
    from moto.cloudformation import responses
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend, Stack

    timelines = Timelines(pace)

    def total(verb: str, cfn_type: str) -> float:
        return pace.cfn(verb, cfn_type)

    def configure(verb: str, cfn_type: str) -> float:
        return pace.seconds("cfn:configure") if verb == "create" else pace.cfn(verb, cfn_type)

    def new_events(stack: Any, before: int) -> None:
        """moto's own events of a paced operation go: the timeline has its own."""
        del stack.__dict__["events"][before:]

    # ---------------------------------------------------------------- operations

    original_create = CloudFormationBackend.create_stack

    def create_stack(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        with lock:
            stack = original_create(self, name, *args, **kwargs)
            if stack.__dict__.get("status") != "CREATE_COMPLETE":
                return stack  # moto could not: failed at once, as without pace
            new_events(stack, 0)
            made = _resources_of(stack)
            steps = pace_timeline.create_steps(_bodies(stack, made), total, configure)
            timelines.record(stack, "CREATE", steps, made)
            return stack

    original_update = CloudFormationBackend.update_stack

    def update_stack(self: Any, name: str, template: str, role_arn: Any, parameters: Any,
                     tags: Any) -> Any:
        with lock:
            stack = self.get_stack(name)
            if timelines.running(stack.stack_id):
                raise ValidationError(stack.stack_id, message=(
                    f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."))
            old_bodies = dict((stack.template_dict or {}).get("Resources") or {})
            old_made = _resources_of(stack)
            outputs = stack.outputs
            resolved = self._resolve_update_parameters(instance=stack, incoming_params=parameters)
            diff = stack.resource_map.build_resource_diff(Stack.parse_template(template), resolved)
            before = len(stack.__dict__["events"])
            stack = original_update(self, name, template, role_arn, parameters, tags)
            if not str(stack.__dict__.get("status")).endswith("_COMPLETE"):
                return stack
            new_events(stack, before)
            new_bodies = dict((stack.template_dict or {}).get("Resources") or {})
            made = {**old_made, **_resources_of(stack)}
            steps, cleanup = pace_timeline.update_steps(old_bodies, new_bodies, diff["Modify"],
                                                        total, configure)
            timelines.record(stack, "UPDATE", steps, made, cleanup, outputs)
            return stack

    original_delete = CloudFormationBackend.delete_stack

    def delete_stack(self: Any, name_or_stack_id: str) -> None:
        with lock:
            stack = next((s for s in self.stacks.values()
                          if name_or_stack_id in (s.name, s.stack_id)), None)
            if stack is None:
                return original_delete(self, name_or_stack_id)
            made = _resources_of(stack)
            bodies = _bodies(stack, made)
            # Read now: once deleted, moto's output map would make the resources again.
            outputs = stack.outputs
            before = len(stack.__dict__["events"])
            original_delete(self, name_or_stack_id)
            new_events(stack, before)
            steps = pace_timeline.delete_steps(bodies, total)
            timelines.record(stack, "DELETE", steps, made, outputs_before=outputs)
            timelines.deleting[stack.stack_id] = stack
            return None

    # ---------------------------------------------------------------- finding stacks

    def being_deleted(name_or_id: str) -> Any:
        for stack_id, stack in list(timelines.deleting.items()):
            if not timelines.running(stack_id):
                del timelines.deleting[stack_id]
            elif name_or_id in (stack.name, stack.stack_id):
                return stack
        return None

    original_get = CloudFormationBackend.get_stack

    def get_stack(self: Any, name_or_stack_id: str) -> Any:
        try:
            return original_get(self, name_or_stack_id)
        except ValidationError:
            stack = being_deleted(name_or_stack_id)
            if stack is None:
                raise
            return stack

    original_describe = CloudFormationBackend.describe_stacks

    def describe_stacks(self: Any, name_or_stack_id: str) -> Any:
        with lock:
            if name_or_stack_id:
                stack = being_deleted(name_or_stack_id)
                found = [s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)]
                if stack is not None and not found:
                    return [stack]
                return original_describe(self, name_or_stack_id)
            being_deleted("")  # drops the finished ones
            return original_describe(self, name_or_stack_id) + list(timelines.deleting.values())

    # ---------------------------------------------------------------- what a stack says

    def status_get(self: Any) -> Any:
        op = timelines.running(self.stack_id) if "stack_id" in self.__dict__ else None
        return op.stack_status(timelines.now()) if op is not None else self.__dict__.get("status")

    def status_set(self: Any, value: Any) -> None:
        self.__dict__["status"] = value

    outputs_property = Stack.__dict__["outputs"]

    def outputs_get(self: Any) -> Any:
        op = timelines.running(self.stack_id)
        if op is not None and op.verb == "CREATE":
            return None  # AWS: no outputs before CREATE_COMPLETE
        if op is not None:
            return op.outputs_before  # an update's or a deletion's: what it had before
        return outputs_property.fget(self)

    original_events = CloudFormationBackend.describe_stack_events

    def describe_stack_events(self: Any, stack_name: str) -> Any:
        with lock:
            stack = self.get_stack(stack_name)
            return timelines.events(stack, original_events(self, stack_name))

    def describe_stack_resources(self: Any, stack_name: str, logical_resource_id: str) -> Any:
        with lock:
            stack = self.get_stack(stack_name)
            shown = timelines.resources(stack)
            if logical_resource_id is not None:
                shown = [r for r in shown if r.logical_resource_id == logical_resource_id]
            return stack, shown

    def list_stack_resources(self: Any, stack_name_or_id: str) -> Any:
        with lock:
            stack = self.get_stack(stack_name_or_id)
            return stack, timelines.resources(stack)

    def describe_stack_resource(self: Any, stack_name: str, logical_resource_id: str) -> Any:
        with lock:
            stack = self.get_stack(stack_name)
            for made in timelines.resources(stack):
                if made.logical_resource_id == logical_resource_id:
                    return stack, made
            raise ValidationError(stack_name, f"Resource {logical_resource_id} does not exist "
                                              f"for stack {stack_name}")

    original_dto = responses.StackResourceDTO.__init__

    def dto_init(self: Any, stack: Any, resource: Any) -> None:
        original_dto(self, stack, resource)
        status = timelines.resource_status(stack.stack_id, self.logical_resource_id or "")
        if status not in (None, "?"):
            self.resource_status = status

    for owner, name, value in (
            (CloudFormationBackend, "create_stack", create_stack),
            (CloudFormationBackend, "update_stack", update_stack),
            (CloudFormationBackend, "delete_stack", delete_stack),
            (CloudFormationBackend, "get_stack", get_stack),
            (CloudFormationBackend, "describe_stacks", describe_stacks),
            (CloudFormationBackend, "describe_stack_events", describe_stack_events),
            (CloudFormationBackend, "describe_stack_resources", describe_stack_resources),
            (CloudFormationBackend, "list_stack_resources", list_stack_resources),
            (CloudFormationBackend, "describe_stack_resource", describe_stack_resource),
            (Stack, "status", property(status_get, status_set)),
            (Stack, "outputs", property(outputs_get)),
            (responses.StackResourceDTO, "__init__", dto_init)):
        patching.replace(owner, name, value)
    patching.note("pace: CloudFormation stack operations take AWS's time (timeline by "
                  "dependencies and per-type figures); the read APIs answer by it")
    return timelines
