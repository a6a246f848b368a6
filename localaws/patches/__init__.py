"""Patches that make moto do what AWS documents, where moto 5.2 does not.

Applied by the local engine (``python -m localaws``) and the moto launcher of the tests
(``tests/moto/launch.py``) before the server starts. One module per patch; its docstring is the one description of that
patch: what AWS documents, what moto does instead, what the patch does. Rules
(docs/architecture.md): each patch copies one documented AWS behaviour and names it; each one
only calls moto's own backend operations; none may make the tool's own result come out
right by itself. A patch that finds moto already doing the job (a newer moto) stands
aside. ``tests/moto/test_core_stack.py`` checks them against moto;
``localaws/test_patch_set.py`` checks that they apply cleanly together.
"""

from __future__ import annotations

from . import (cfn_apigatewayv2, cfn_cognito, cfn_deletions, cfn_firehose, cfn_s3_bucket_policy,
               cfn_s3_bucket_website, cfn_target_group_attributes, cfn_target_group_updates, cfn_vpc_dns,
               cloudwatch_cbor, cloudwatch_dimensions, cognito_confirmation_codes,
               ecs_deployments, ecs_service_settings,
               ecs_service_targets, ecs_task_enis, ecs_task_lifecycle, elbv2_rule_priorities,
               elbv2_rule_quotas, firehose_buffering)
from ._shared import PatchError, Patching, lock

__all__ = ["PatchError", "Patching", "apply", "lock"]

# Every patch module, in the order applied. Each has ``apply(patching: Patching) -> None``
# and replaces moto's attributes only through ``patching.replace``, which refuses a second
# replacement of the same attribute: no order of application can change what they do.
MODULES = (cfn_deletions, ecs_deployments, ecs_service_settings, ecs_service_targets,
           cfn_vpc_dns, ecs_task_enis, ecs_task_lifecycle, cfn_target_group_attributes,
           cfn_target_group_updates, cfn_s3_bucket_website, cfn_s3_bucket_policy,
           elbv2_rule_priorities, elbv2_rule_quotas, cloudwatch_dimensions, cloudwatch_cbor,
           cognito_confirmation_codes, cfn_cognito, cfn_apigatewayv2, firehose_buffering,
           cfn_firehose)

_applied: Patching | None = None


def apply(engine: bool = False) -> Patching:
    """Apply every patch once per process; later calls return the first application.

    ``engine``: the local engine runs the tasks and rolls the deployments itself, so
    ``ecs_deployments`` only starts deployments and never completes them, and
    ``ecs_service_targets`` stands aside (real tasks register themselves)."""
    global _applied
    if _applied is not None:
        if _applied.engine != engine:
            raise PatchError("the patches are already applied for "
                             + ("the engine" if _applied.engine else "plain moto"))
        return _applied
    patching = Patching(engine=engine)
    for module in MODULES:
        module.apply(patching)
    _applied = patching
    return patching
