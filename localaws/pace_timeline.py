"""When each resource of a CloudFormation stack operation starts and ends, at AWS pace:
from the template's dependencies and the per-type figures of ``pace.py``. Pure
computation (no moto), so that the order can be tested on its own.

AWS, CloudFormation user guide:

* "Resource dependencies" (DependsOn,
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html):
  a resource that names another with ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` or ``DependsOn``
  is created after it; resources without a dependency between them are created in
  parallel; deletion goes in the reverse order.
* Optimistic stabilization
  (https://aws.amazon.com/blogs/devops/how-we-sped-up-aws-cloudformation-deployments-with-optimistic-stabilization/,
  2024-03): a resource is ``CONFIGURATION_COMPLETE`` once the service accepted its
  configuration, and its dependents start then, while it stabilizes; it is
  ``CREATE_COMPLETE`` once stable (a load balancer: active).
* A stack update updates the resources whose definition (or a parameter it names)
  changed and creates the added ones, in dependency order, then, in
  ``UPDATE_COMPLETE_CLEANUP_IN_PROGRESS``, deletes the removed ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

__all__ = ["Step", "create_steps", "delete_steps", "references", "update_steps"]

_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Step:
    logical_id: str
    cfn_type: str
    verb: str  # CREATE, UPDATE or DELETE
    start: float  # seconds after the operation began
    configured: float  # CONFIGURATION_COMPLETE (dependents may start)
    end: float  # *_COMPLETE


def _text(value: Any) -> str:
    return str(getattr(value, "value", value))  # a YAML node that moto left as a node


def references(definition: dict[str, Any], names: Iterable[str]) -> set[str]:
    """The resources (of ``names``) that a resource's definition depends on."""
    names = set(names)
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, arg in value.items():
                if key == "Ref":
                    found.add(_text(arg))
                elif key == "Fn::GetAtt":
                    target = arg[0] if isinstance(arg, list) and arg else _text(arg).split(".")[0]
                    found.add(_text(target))
                elif key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) and arg else arg
                    found.update(m.group(1).split(".")[0] for m in _SUB.finditer(_text(text)))
                walk(arg)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: v for k, v in definition.items() if k != "DependsOn"})
    depends = definition.get("DependsOn") or []
    found.update([depends] if isinstance(depends, str) else [_text(d) for d in depends])
    return found & names


def _graph(resources: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    names = set(resources)
    return {lid: references(body or {}, names) - {lid} for lid, body in resources.items()}


def _forward(verbs: dict[str, str], needs: dict[str, set[str]], types: dict[str, str],
             total: Callable[[str, str], float], configure: Callable[[str, str], float],
             t0: float = 0.0) -> dict[str, Step]:
    """Each (logical id -> CREATE or UPDATE) starts when what it needs (among them) is
    configured."""
    lids = set(verbs)
    steps: dict[str, Step] = {}
    visiting: set[str] = set()

    def place(lid: str) -> Step:
        if lid in steps:
            return steps[lid]
        if lid in visiting:  # a cycle: CloudFormation refuses such a template
            raise ValueError(f"circular dependency at {lid}")
        visiting.add(lid)
        start = max((place(dep).configured for dep in needs.get(lid, ()) if dep in lids), default=t0)
        verb = verbs[lid]
        whole = total(verb.lower(), types[lid])
        ready = start + min(configure(verb.lower(), types[lid]), whole)
        steps[lid] = Step(lid, types[lid], verb, start, ready, start + whole)
        return steps[lid]

    for lid in sorted(lids):
        place(lid)
    return steps


def _backward(lids: Iterable[str], needs: dict[str, set[str]], types: dict[str, str],
              total: Callable[[str, str], float], t0: float = 0.0) -> dict[str, Step]:
    """Each is deleted once everything (among ``lids``) that needs it is deleted."""
    lids = set(lids)
    needed_by: dict[str, set[str]] = {lid: set() for lid in lids}
    for lid in lids:
        for dep in needs.get(lid, ()):
            if dep in lids:
                needed_by[dep].add(lid)
    steps: dict[str, Step] = {}
    visiting: set[str] = set()

    def place(lid: str) -> Step:
        if lid in steps:
            return steps[lid]
        if lid in visiting:
            raise ValueError(f"circular dependency at {lid}")
        visiting.add(lid)
        start = max((place(user).end for user in needed_by[lid]), default=t0)
        end = start + total("delete", types[lid])
        steps[lid] = Step(lid, types[lid], "DELETE", start, end, end)
        return steps[lid]

    for lid in sorted(lids):
        place(lid)
    return steps


def _types(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {lid: str((body or {}).get("Type", "")) for lid, body in resources.items()}


def create_steps(resources: dict[str, dict[str, Any]], total: Callable[[str, str], float],
                 configure: Callable[[str, str], float]) -> dict[str, Step]:
    """``resources``: the template's Resources that the stack made (logical id -> body);
    ``total(verb, type)`` and ``configure(verb, type)``: seconds."""
    return _forward({lid: "CREATE" for lid in resources}, _graph(resources), _types(resources),
                    total, configure)


def delete_steps(resources: dict[str, dict[str, Any]],
                 total: Callable[[str, str], float]) -> dict[str, Step]:
    return _backward(resources, _graph(resources), _types(resources), total)


def update_steps(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]],
                 changed: Iterable[str], total: Callable[[str, str], float],
                 configure: Callable[[str, str], float]) -> tuple[dict[str, Step], float]:
    """Steps of an update (``changed``: the logical ids whose definition or parameters
    changed), and when its cleanup (the removed resources' deletion) begins."""
    added = set(new) - set(old)
    removed = set(old) - set(new)
    moving = (set(changed) & set(new)) | added
    graph = _graph(new)
    types = _types(new)
    verbs = {lid: "CREATE" if lid in added else "UPDATE" for lid in moving}
    steps = _forward(verbs, graph, types, total, configure)
    cleanup = max((s.end for s in steps.values()), default=0.0)
    steps.update(_backward(removed, _graph(old), _types(old), total, t0=cleanup))
    return steps, cleanup
