"""ELBv2 SetRulePriorities judges conflicts in the new order.

AWS (SetRulePriorities): "You can reorder the rules as long as there are no priority
conflicts in the new order. Any existing rules that you do not specify retain their
current priority."

moto 5.2 refuses any requested priority that a rule holds *before* the call, even a rule
the same call moves away, so shifting rules 1, 2 to 2, 3 in one call fails with
PriorityInUse.

The patch checks the requested priorities for duplicates, then against the rules the
call leaves where they are, and only then moves the rules; moto's own errors
(DuplicatePriority, RuleNotFound, PriorityInUse) are raised as before.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching


def apply(patching: Patching) -> None:
    from moto.elbv2.exceptions import (DuplicatePriorityError, PriorityInUseError,
                                       RuleNotFoundError)
    from moto.elbv2.models import ELBv2Backend

    def set_rule_priorities(self: Any, rule_priorities: list[dict[str, Any]]) -> list[Any]:
        priorities = [int(rp["Priority"]) for rp in rule_priorities]
        for priority in set(priorities):
            if priorities.count(priority) > 1:
                raise DuplicatePriorityError(priority)
        moving = []
        for rp in rule_priorities:
            found = self.describe_rules(listener_arn=None, rule_arns=[rp["RuleArn"]])
            if not found:
                raise RuleNotFoundError()
            moving.append((found[0], int(rp["Priority"])))
        moved_arns = {rule.arn for rule, _ in moving}
        for rule, priority in moving:
            listener = self.describe_listeners(None, [rule.listener_arn])[0]
            for other in listener.rules.values():
                # Only rules this call leaves where they are can conflict.
                if other.arn not in moved_arns and other.priority == priority:
                    raise PriorityInUseError()
        for rule, priority in moving:
            rule.priority = priority
        return [rule for rule, _ in moving]

    patching.replace(ELBv2Backend, "set_rule_priorities", set_rule_priorities)
    patching.note("ELBv2 SetRulePriorities: conflicts checked in the new order")
