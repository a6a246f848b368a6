"""What more than one patch needs: the lock, the error, the CloudFormation create hook."""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable

# Held by every patched operation that reads and then changes moto's state, so that the
# threaded server (and the local engine, which takes the same lock) never interleaves two.
lock = threading.RLock()


class PatchError(RuntimeError):
    """A patch broke (usually: moto's internals changed); raised loudly, never swallowed."""


def after_cfn_create(cls: type, cfn_type: str, handled_marker: str, what: str,
                     after: Callable[[Any, dict[str, Any], str, str], None],
                     applied: list[str]) -> None:
    """Wraps ``cls.create_from_cloudformation_json`` so that ``after(resource, properties,
    account_id, region_name)`` runs on what moto made; stands aside when moto's own
    code already mentions ``handled_marker`` (a newer moto doing the job)."""
    descriptor = cls.__dict__.get("create_from_cloudformation_json")
    original = getattr(descriptor, "__func__", None)
    if original is None:
        raise PatchError(f"moto's {cls.__name__}.create_from_cloudformation_json is not a classmethod")
    try:
        source = inspect.getsource(original)
    except (OSError, TypeError):
        source = ""
    if handled_marker in source:
        applied.append(f"{cfn_type}: moto applies {handled_marker} itself, patch not needed")
        return

    def create_from_cloudformation_json(klass: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        made = original(klass, resource_name, cloudformation_json, account_id, region_name,
                        **kwargs)
        after(made, cloudformation_json.get("Properties") or {}, account_id, region_name)
        return made

    create_from_cloudformation_json.__doc__ = original.__doc__
    cls.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[attr-defined]
    applied.append(f"{cfn_type}: CloudFormation applies {what}")
