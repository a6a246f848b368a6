"""CloudFormation updates an ``AWS::ElasticLoadBalancingV2::TargetGroup`` in place.

AWS (AWS::ElasticLoadBalancingV2::TargetGroup): HealthCheckPath,
HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds, HealthyThresholdCount,
UnhealthyThresholdCount, HealthCheckProtocol, HealthCheckPort, HealthCheckEnabled,
Matcher and TargetGroupAttributes are "Update requires: No interruption": a stack update
changes the same target group (same ARN), as elbv2:ModifyTargetGroup and
ModifyTargetGroupAttributes do.

moto 5.2 has no update for target groups: a stack update that changes one (a template
edit, or only a parameter it refers to) leaves its settings as they were and records
``None`` as the stack's resource, so a later ``!Ref`` of it is lost.

The patch changes the target group in place with moto's own ``modify_target_group`` and
``modify_target_group_attributes`` and keeps it as the stack's resource. Properties whose
change needs a replacement (Name, Port, Protocol, VpcId, TargetType) are left as they are.
A moto with its own target-group update is left alone.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching, lock, patched


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def apply(patching: Patching) -> None:
    from moto.elbv2.models import FakeTargetGroup, elbv2_backends

    own = FakeTargetGroup.__dict__.get("update_from_cloudformation_json")
    if (not patched(FakeTargetGroup, "update_from_cloudformation_json") and own is not None
            and not getattr(own, "__isabstractmethod__", False)):
        patching.note("AWS::ElasticLoadBalancingV2::TargetGroup: moto updates it itself, "
                      "patch not needed")
        return

    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str,
                                        region_name: str) -> Any:
        properties = cloudformation_json.get("Properties") or {}
        backend = elbv2_backends[account_id][region_name]
        enabled = properties.get("HealthCheckEnabled")
        with lock:
            backend.modify_target_group(
                original_resource.arn,
                health_check_proto=properties.get("HealthCheckProtocol"),
                health_check_port=properties.get("HealthCheckPort"),
                health_check_path=properties.get("HealthCheckPath"),
                health_check_interval=_int(properties.get("HealthCheckIntervalSeconds")),
                health_check_timeout=_int(properties.get("HealthCheckTimeoutSeconds")),
                healthy_threshold_count=_int(properties.get("HealthyThresholdCount")),
                unhealthy_threshold_count=_int(properties.get("UnhealthyThresholdCount")),
                http_codes=(properties.get("Matcher") or {}).get("HttpCode"),
                health_check_enabled=None if enabled is None else str(enabled).lower() == "true",
            )
            attributes = {str(a["Key"]): str(a["Value"])
                          for a in properties.get("TargetGroupAttributes") or [] if "Key" in a}
            if attributes:
                backend.modify_target_group_attributes(original_resource.arn, attributes)
        return original_resource

    patching.replace(FakeTargetGroup, "update_from_cloudformation_json",
                     classmethod(update_from_cloudformation_json))
    patching.note("AWS::ElasticLoadBalancingV2::TargetGroup: CloudFormation updates its "
                  "health check and attributes in place")
