"""ELBv2 CreateRule and ModifyRule refuse a rule over ALB's quotas.

AWS ("Quotas for your Application Load Balancers", Rules; none of these three is
adjustable): "Condition values per rule: 5", "Condition wildcards per rule: 5"; and
"Rules per Application Load Balancer (excluding default rules): 100". ("Listener rules
for your Application Load Balancer", Condition types: "You can include wildcard
characters in the match evaluations for the http-header, host-header, path-pattern,
and query-string conditions. There is a limit of five wildcard characters per rule.")
AWS answers a rule over the first two with ValidationError "A rule can only have '5'
condition values" (the wildcard message is worded the same way), and a rule past the
third with TooManyRules.

moto 5.2 checks none of them: a rule with 6 path patterns, or with 6 wildcards, is
stored, and the local engine routes by it.

The patch counts, after moto's own checks, every value of every condition (a
query-string key/value pair is one value) and every '*' and '?' in the values of the
four wildcard conditions (a query string's '\\*' and '\\?' are literals, not
wildcards), and refuses the 101st rule of a load balancer's listeners.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching

MAX_VALUES = 5
MAX_WILDCARDS = 5
MAX_RULES = 100

_CONFIG = {"host-header": "HostHeaderConfig", "http-header": "HttpHeaderConfig",
           "http-request-method": "HttpRequestMethodConfig", "path-pattern": "PathPatternConfig",
           "query-string": "QueryStringConfig", "source-ip": "SourceIpConfig"}
_WILDCARD_FIELDS = ("host-header", "http-header", "path-pattern", "query-string")


def _values(condition: dict[str, Any]) -> list[Any]:
    config = condition.get(_CONFIG.get(condition.get("Field", ""), ""), None) or {}
    return list(config.get("Values") or condition.get("Values") or [])


def _wildcards(text: str, escapes: bool) -> int:
    count, i = 0, 0
    while i < len(text):
        if escapes and text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        count += text[i] in "*?"
        i += 1
    return count


def counts(conditions: list[dict[str, Any]]) -> tuple[int, int]:
    """(condition values, wildcards) of one rule's conditions."""
    values = wildcards = 0
    for condition in conditions or []:
        found = _values(condition)
        values += len(found)
        field = condition.get("Field")
        if field not in _WILDCARD_FIELDS:
            continue
        for value in found:
            if field == "query-string":
                wildcards += sum(_wildcards(str(value.get(k) or ""), True) for k in ("Key", "Value"))
            else:
                wildcards += _wildcards(str(value), False)
    return values, wildcards


def apply(patching: Patching) -> None:
    from moto.elbv2.exceptions import ELBClientError, InvalidConditionValueError
    from moto.elbv2.models import ELBv2Backend

    original_validate = ELBv2Backend._validate_conditions
    original_create = ELBv2Backend.create_rule

    def _validate_conditions(self: Any, conditions: list[dict[str, Any]]) -> None:
        original_validate(self, conditions)
        values, wildcards = counts(conditions)
        if values > MAX_VALUES:
            raise InvalidConditionValueError(f"A rule can only have '{MAX_VALUES}' condition values")
        if wildcards > MAX_WILDCARDS:
            raise InvalidConditionValueError(f"A rule can only have '{MAX_WILDCARDS}' wildcards")

    def create_rule(self: Any, listener_arn: str, *args: Any, **kwargs: Any) -> Any:
        listeners = self.describe_listeners(None, [listener_arn])
        if listeners:
            balancer = self.load_balancers.get(listeners[0].load_balancer_arn)
            siblings = list(balancer.listeners.values()) if balancer is not None else listeners
            rules = sum(1 for li in siblings for rule in li.rules.values()
                        if not getattr(rule, "is_default", False))
            if rules >= MAX_RULES:
                raise ELBClientError("TooManyRules",
                                     "You've reached the limit on the number of rules per load balancer.")
        return original_create(self, listener_arn, *args, **kwargs)

    patching.replace(ELBv2Backend, "_validate_conditions", _validate_conditions)
    patching.replace(ELBv2Backend, "create_rule", create_rule)
    patching.note("ELBv2 CreateRule/ModifyRule: ALB's quotas (5 condition values, 5 wildcards "
                  "per rule, 100 rules per load balancer)")
