"""Patches that make moto do what AWS documents, where moto 5.2 does not.

Applied by ``launch.py`` (and the local engine, ``python -m localaws``) before the
server starts. One module per patch; its docstring is the one description of that
patch: what AWS documents, what moto does instead, what the patch does. Rules
(docs/architecture.md): each patch copies one documented AWS behaviour and names it; each one
only calls moto's own backend operations; none may make the tool's own result come out
right by itself. A patch that finds moto already doing the job (a newer moto) stands
aside. ``tests/moto/test_core_stack.py`` checks them against moto.
"""

from __future__ import annotations

from . import (cfn_deletions, cfn_s3_bucket_policy, cfn_s3_bucket_website,
               cfn_target_group_attributes, cfn_target_group_updates, cfn_vpc_dns,
               cloudwatch_cbor, cloudwatch_dimensions, ecs_deployments, ecs_service_settings,
               ecs_service_targets, ecs_task_enis, ecs_task_lifecycle, elbv2_rule_priorities,
               elbv2_rule_quotas)
from ._shared import lock

__all__ = ["apply", "lock"]

_applied: list[str] | None = None


def apply(engine: bool = False) -> list[str]:
    """Apply every patch once; returns one line per patch for the launcher's log.

    ``engine``: the local engine runs the tasks and rolls the deployments itself, so
    ``ecs_deployments`` only starts deployments and never completes them, and
    ``ecs_service_targets`` stands aside (real tasks register themselves)."""
    global _applied
    if _applied is not None:
        return _applied
    applied: list[str] = []
    cfn_deletions.apply(applied)
    ecs_deployments.apply(applied, complete=not engine)
    ecs_service_settings.apply(applied)
    if not engine:
        ecs_service_targets.apply(applied)
    cfn_vpc_dns.apply(applied)
    ecs_task_enis.apply(applied)
    ecs_task_lifecycle.apply(applied)
    cfn_target_group_attributes.apply(applied)
    cfn_target_group_updates.apply(applied)
    cfn_s3_bucket_website.apply(applied)
    cfn_s3_bucket_policy.apply(applied)
    elbv2_rule_priorities.apply(applied)
    elbv2_rule_quotas.apply(applied)
    cloudwatch_dimensions.apply(applied)
    cloudwatch_cbor.apply(applied)
    _applied = applied
    return applied
