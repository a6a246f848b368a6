"""CloudFormation ``AWS::ElasticLoadBalancingV2::TargetGroup`` applies TargetGroupAttributes.

AWS (AWS::ElasticLoadBalancingV2::TargetGroup): TargetGroupAttributes are "The target
group attributes" (e.g. ``deregistration_delay.timeout_seconds``), set as
elbv2:ModifyTargetGroupAttributes does.

moto 5.2 ignores them, so a stack's target group keeps the 300 s default
deregistration delay.

The patch applies the declared attributes after moto creates the target group, by
moto's own ``modify_target_group_attributes``. A moto that handles
TargetGroupAttributes itself is left alone.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching, after_cfn_create


def apply(patching: Patching) -> None:
    from moto.elbv2.models import FakeTargetGroup, elbv2_backends

    def apply_attributes(group: Any, properties: dict[str, Any], account_id: str,
                         region_name: str) -> None:
        attributes = properties.get("TargetGroupAttributes") or []
        given = {str(a["Key"]): str(a["Value"]) for a in attributes if "Key" in a}
        if given:
            elbv2_backends[account_id][region_name].modify_target_group_attributes(group.arn, given)

    after_cfn_create(FakeTargetGroup, "AWS::ElasticLoadBalancingV2::TargetGroup",
                     "TargetGroupAttributes", "TargetGroupAttributes", apply_attributes, patching)
