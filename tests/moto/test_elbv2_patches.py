"""The ELBv2 rule quotas patch (``localaws/patches/elbv2_rule_quotas.py``), through boto3 against
moto in-process: what AWS refuses at CreateRule and ModifyRule is refused, with AWS's
error, and the rule is left as it was.

Run: .venv/bin/python -m pytest tests/moto/test_elbv2_patches.py -q
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from localaws.patches import Patching, elbv2_rule_quotas  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def quotas() -> Iterator[None]:
    patching = Patching()
    elbv2_rule_quotas.apply(patching)
    yield
    patching.restore()


KW = dict(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture()
def listener() -> Iterator[tuple[Any, str, dict[str, Any]]]:
    with mock_aws():
        ec2, elb = boto3.client("ec2", **KW), boto3.client("elbv2", **KW)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=f"us-east-1{az}")["Subnet"]["SubnetId"]
                   for i, az in ((1, "a"), (2, "b"))]
        lb = elb.create_load_balancer(Name="lab", Subnets=subnets)["LoadBalancers"][0]
        tg = elb.create_target_group(Name="tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        action = {"Type": "forward", "TargetGroupArn": tg}
        arn = elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                  DefaultActions=[action])["Listeners"][0]["ListenerArn"]
        yield elb, arn, action


def paths(*values: str) -> dict[str, Any]:
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}


def refused(call: Any, code: str, message: str) -> None:
    with pytest.raises(ClientError) as err:
        call()
    assert (err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]) == (
        code, message)


def test_condition_values_per_rule(listener: tuple[Any, str, dict[str, Any]]) -> None:
    elb, arn, action = listener
    five = [paths("/a", "/b", "/c"), {"Field": "http-request-method",
                                      "HttpRequestMethodConfig": {"Values": ["GET", "POST"]}}]
    elb.create_rule(ListenerArn=arn, Priority=1, Conditions=five, Actions=[action])
    six = [paths("/a", "/b", "/c", "/d", "/e", "/f")]
    refused(lambda: elb.create_rule(ListenerArn=arn, Priority=2, Conditions=six, Actions=[action]),
            "ValidationError", "A rule can only have '5' condition values")
    # Query-string pairs count one each, across conditions.
    pairs = [{"Field": "query-string",
              "QueryStringConfig": {"Values": [{"Key": f"k{i}", "Value": "v"} for i in range(3)]}},
             {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8", "192.168.0.0/16",
                                                                  "172.16.0.0/12"]}}]
    refused(lambda: elb.create_rule(ListenerArn=arn, Priority=2, Conditions=pairs, Actions=[action]),
            "ValidationError", "A rule can only have '5' condition values")
    assert len(elb.describe_rules(ListenerArn=arn)["Rules"]) == 2  # the first and the default


def test_wildcards_per_rule(listener: tuple[Any, str, dict[str, Any]]) -> None:
    elb, arn, action = listener
    five = [paths("/a/*/b/*"), {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.??"]}}]
    rule = elb.create_rule(ListenerArn=arn, Priority=1, Conditions=five,
                           Actions=[action])["Rules"][0]["RuleArn"]
    six = [paths("/??????")]
    refused(lambda: elb.create_rule(ListenerArn=arn, Priority=2, Conditions=six, Actions=[action]),
            "ValidationError", "A rule can only have '5' wildcards")
    # ModifyRule is held to the same quota, and the rule keeps its conditions.
    over = five + [{"Field": "http-header",
                    "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["p*"]}}]
    refused(lambda: elb.modify_rule(RuleArn=rule, Conditions=over),
            "ValidationError", "A rule can only have '5' wildcards")
    kept = elb.describe_rules(RuleArns=[rule])["Rules"][0]["Conditions"]
    assert [c["Field"] for c in kept] == ["path-pattern", "host-header"]
    # A query string's escaped '\*' and '\?' are literals, not wildcards.
    literal = [{"Field": "query-string", "QueryStringConfig": {"Values": [
        {"Key": "k", "Value": "\\*\\*\\*\\?\\?\\?*"}]}}]
    elb.create_rule(ListenerArn=arn, Priority=3, Conditions=literal, Actions=[action])


def test_rules_per_load_balancer(listener: tuple[Any, str, dict[str, Any]]) -> None:
    elb, arn, action = listener
    for priority in range(1, 101):
        elb.create_rule(ListenerArn=arn, Priority=priority, Conditions=[paths(f"/{priority}")],
                        Actions=[action])
    refused(lambda: elb.create_rule(ListenerArn=arn, Priority=101, Conditions=[paths("/101")],
                                    Actions=[action]),
            "TooManyRules", "You've reached the limit on the number of rules per load balancer.")
