"""What more than one patch needs: the lock, the error, the one way to replace a moto
attribute, the CloudFormation create hook."""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable

# Held by every patched operation that reads and then changes moto's state, so that the
# threaded server (and the local engine, which takes the same lock) never interleaves two.
lock = threading.RLock()


class PatchError(RuntimeError):
    """A patch broke (usually: moto's internals changed); raised loudly, never swallowed."""


_MISSING = object()
# Every (owner, attribute) replaced and not restored, in this process, by any Patching:
# its name for errors, and moto's own value.
_replaced: dict[tuple[Any, str], tuple[str, Any]] = {}


def patched(owner: Any, name: str) -> bool:
    return (owner, name) in _replaced


def unpatched(owner: Any, name: str) -> Any:
    """moto's own ``owner.name``, whatever patch replaced it (what a patch inspects to see
    whether moto does the job itself must not depend on the order of application)."""
    if (owner, name) in _replaced:
        return _replaced[(owner, name)][1]
    return getattr(owner, name, None)


class Patching:
    """One application of patches: the lines for the log, and every moto attribute it
    replaced. Each attribute is replaced by one patch only: a second replacement would
    wrap the first, and the order of application would decide what moto does, so
    ``replace`` refuses it. ``engine``: the local engine runs the tasks and rolls the
    deployments out itself (some patches stand aside or do less)."""

    def __init__(self, engine: bool = False) -> None:
        self.engine = engine
        self.applied: list[str] = []
        self._saved: list[tuple[Any, str, Any]] = []

    def note(self, line: str) -> None:
        self.applied.append(line)

    @property
    def replaced(self) -> list[tuple[Any, str]]:
        return [(owner, name) for owner, name, _ in self._saved]

    def replace(self, owner: Any, name: str, value: Any) -> None:
        """``owner.name = value``, once per process until ``restore``."""
        key = (owner, name)
        label = f"{getattr(owner, '__qualname__', owner)}.{name}"
        if key in _replaced:
            raise PatchError(f"{label} is already patched; one patch per attribute, so "
                             "that no order of application decides what it does")
        _replaced[key] = (label, getattr(owner, name, None))
        self._saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def restore(self) -> None:
        """Puts back everything this Patching replaced (tests share moto's classes)."""
        for owner, name, old in reversed(self._saved):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
            _replaced.pop((owner, name), None)
        self._saved.clear()


def after_cfn_create(cls: type, cfn_type: str, handled_marker: str, what: str,
                     after: Callable[[Any, dict[str, Any], str, str], None],
                     patching: Patching) -> bool:
    """Wraps ``cls.create_from_cloudformation_json`` so that ``after(resource, properties,
    account_id, region_name)`` runs on what moto made; stands aside when moto's own
    code already mentions ``handled_marker`` (a newer moto doing the job). True when it
    wrapped."""
    descriptor = cls.__dict__.get("create_from_cloudformation_json")
    original = getattr(descriptor, "__func__", None)
    if original is None:
        raise PatchError(f"moto's {cls.__name__}.create_from_cloudformation_json is not a classmethod")
    try:
        source = inspect.getsource(original)
    except (OSError, TypeError):
        source = ""
    if handled_marker in source:
        patching.note(f"{cfn_type}: moto applies {handled_marker} itself, patch not needed")
        return False

    def create_from_cloudformation_json(klass: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        made = original(klass, resource_name, cloudformation_json, account_id, region_name,
                        **kwargs)
        after(made, cloudformation_json.get("Properties") or {}, account_id, region_name)
        return made

    create_from_cloudformation_json.__doc__ = original.__doc__
    patching.replace(cls, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))
    patching.note(f"{cfn_type}: CloudFormation applies {what}")
    return True
