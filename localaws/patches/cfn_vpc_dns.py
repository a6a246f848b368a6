"""CloudFormation ``AWS::EC2::VPC`` applies EnableDnsSupport and EnableDnsHostnames.

AWS (AWS::EC2::VPC): "EnableDnsHostnames: Indicates whether the instances launched in
the VPC get DNS hostnames" (default false); "EnableDnsSupport: Indicates whether the DNS
resolution is supported for the VPC" (default true). CloudFormation sets them as
ec2:ModifyVpcAttribute does, and DNS hostnames need DNS support.

moto 5.2 ignores both, so a stack's VPC has DNS hostnames off, and a Fargate RunTask in
it fails with a 500.

The patch applies the declared values after moto creates the VPC, support first, by
moto's own ``modify_vpc_attribute``. A moto that handles EnableDnsHostnames itself is
left alone.
"""

from __future__ import annotations

from typing import Any

from ._shared import Patching, after_cfn_create


def _cfn_bool(value: Any) -> bool:
    """CloudFormation booleans arrive as YAML/JSON booleans or as "true"/"false"."""
    return value is True or str(value).strip().lower() == "true"


def apply(patching: Patching) -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.vpcs import VPC

    def apply_dns(vpc: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        for prop, attr in (("EnableDnsSupport", "enable_dns_support"),
                           ("EnableDnsHostnames", "enable_dns_hostnames")):
            if prop in properties and properties[prop] is not None:
                backend.modify_vpc_attribute(vpc.id, attr, _cfn_bool(properties[prop]))

    after_cfn_create(VPC, "AWS::EC2::VPC", "EnableDnsHostnames",
                     "EnableDnsSupport/EnableDnsHostnames", apply_dns, patching)
