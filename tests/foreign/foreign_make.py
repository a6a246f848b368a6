"""Makes the shop's "production" setup with boto3, as a platform team's own script would:
a VPC with two public subnets, an internet-facing ALB with HTTP and HTTPS listeners and
hand-written rules, and the monolith behind the default target group, either as an ECS
service on Fargate (``ecs``) or as two EC2 instances (``instances``). Returns the ids and
ARNs of everything it made (the snapshot reads its target groups from there)."""

from __future__ import annotations

import os
import sys
from typing import Any

from foreign_aws import TAGS, Aws
from foreign_rules import EXTRA_GROUPS, HTTP_RULES, HTTPS_RULES, with_arns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from localaws.test_alb_tls import self_signed  # noqa: E402  (one certificate maker for the repo)

NAME = "shop"
DEFAULT_GROUP = "shop-monolith"
LOG_GROUP = "/shop/monolith"
CONTAINER = "monolith"
VPC_CIDR = "10.40.0.0/16"
SUBNET_CIDRS = ("10.40.0.0/24", "10.40.1.0/24")
# ALB's quickest checks, so the monolith is healthy seconds after it starts; a platform
# team could pick these too. The path is the monolith's root.
HEALTH = {"HealthCheckPath": "/", "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 4,
          "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2, "Matcher": {"HttpCode": "200"}}


def tags(name: str) -> list[dict[str, str]]:
    return [*TAGS, {"Key": "Name", "Value": name}]


def ec2_tags(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": tags(name)}]


def network(aws: Aws) -> dict[str, Any]:
    ec2 = aws.ec2
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=ec2_tags("vpc", NAME))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = []
    for cidr, zone in zip(SUBNET_CIDRS, zones):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone,
                                   TagSpecifications=ec2_tags("subnet", f"{NAME}-public-{zone}"))["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        subnets.append(subnet)
    igw = ec2.create_internet_gateway(
        TagSpecifications=ec2_tags("internet-gateway", NAME))["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=ec2_tags("route-table", f"{NAME}-public"))
    table_id = table["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet)
    alb_sg = ec2.create_security_group(GroupName=f"{NAME}-alb", Description="shop load balancer", VpcId=vpc,
                                       TagSpecifications=ec2_tags("security-group", f"{NAME}-alb"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in (80, 443)])
    app_sg = ec2.create_security_group(GroupName=f"{NAME}-app", Description="shop monolith", VpcId=vpc,
                                       TagSpecifications=ec2_tags("security-group", f"{NAME}-app"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=app_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": alb_sg}]}])
    return {"vpc": vpc, "subnets": subnets, "internet_gateway": igw, "route_table": table_id,
            "alb_security_group": alb_sg, "app_security_group": app_sg}


def target_groups(aws: Aws, vpc: str, kind: str) -> dict[str, str]:
    target_type = "ip" if kind == "ecs" else "instance"
    arns = {}
    for name in (DEFAULT_GROUP, *EXTRA_GROUPS):
        arns[name] = aws.elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType=target_type, Tags=tags(name),
            **HEALTH)["TargetGroups"][0]["TargetGroupArn"]
    # Attributes a team sets: a short drain for the monolith, stickiness on the API.
    aws.elbv2.modify_target_group_attributes(TargetGroupArn=arns[DEFAULT_GROUP], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    aws.elbv2.modify_target_group_attributes(TargetGroupArn=arns["shop-api"], Attributes=[
        {"Key": "stickiness.enabled", "Value": "true"}, {"Key": "stickiness.type", "Value": "lb_cookie"},
        {"Key": "stickiness.lb_cookie.duration_seconds", "Value": "3600"}])
    return arns


def certificate(aws: Aws, dns_host: str) -> str:
    cert, key = self_signed(dns_host)
    return aws.acm.import_certificate(Certificate=cert, PrivateKey=key, Tags=tags(NAME))["CertificateArn"]


def rules(aws: Aws, listener: str, spec: list, arns: dict[str, str]) -> dict[str, str]:
    made = {}
    for name, priority, conditions, action in spec:
        made[name] = aws.elbv2.create_rule(
            ListenerArn=listener, Priority=priority, Conditions=conditions,
            Actions=[with_arns(action, arns)], Tags=tags(name))["Rules"][0]["RuleArn"]
    return made


def load_balancer(aws: Aws, net: dict[str, Any], groups: dict[str, str]) -> dict[str, Any]:
    elbv2 = aws.elbv2
    lb = elbv2.create_load_balancer(Name=NAME, Subnets=net["subnets"], SecurityGroups=[net["alb_security_group"]],
                                    Scheme="internet-facing", Type="application", IpAddressType="ipv4",
                                    Tags=tags(NAME))["LoadBalancers"][0]
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"], Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "120"}])
    dns_host = lb["DNSName"].rsplit(":", 1)[0]  # the engine's DNS name carries its port
    cert = certificate(aws, dns_host)
    to_monolith = [{"Type": "forward", "TargetGroupArn": groups[DEFAULT_GROUP]}]
    http = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                                 DefaultActions=to_monolith, Tags=tags(f"{NAME}-http"))["Listeners"][0]["ListenerArn"]
    https = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
                                  SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                                  Certificates=[{"CertificateArn": cert}], DefaultActions=to_monolith,
                                  Tags=tags(f"{NAME}-https"))["Listeners"][0]["ListenerArn"]
    return {"load_balancer": lb["LoadBalancerArn"], "dns_name": lb["DNSName"], "dns_host": dns_host,
            "certificate": cert, "http_listener": http, "https_listener": https,
            "http_rules": rules(aws, http, HTTP_RULES, groups), "https_rules": rules(aws, https, HTTPS_RULES, groups)}


def ecs_monolith(aws: Aws, net: dict[str, Any], group: str, image: str) -> dict[str, Any]:
    aws.logs.create_log_group(logGroupName=LOG_GROUP, tags={t["Key"]: t["Value"] for t in TAGS})
    aws.logs.put_retention_policy(logGroupName=LOG_GROUP, retentionInDays=30)
    ecs_tags = [{"key": t["Key"], "value": t["Value"]} for t in tags(NAME)]
    cluster = aws.ecs.create_cluster(clusterName=NAME, tags=ecs_tags,
                                     settings=[{"name": "containerInsights", "value": "enabled"}])["cluster"]["clusterArn"]
    task_definition = aws.ecs.register_task_definition(
        family=DEFAULT_GROUP, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", tags=ecs_tags,
        containerDefinitions=[{
            "name": CONTAINER, "image": image, "essential": True,
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            "environment": [{"name": "SERVICE", "value": "monolith"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": aws.session.region_name,
                "awslogs-stream-prefix": CONTAINER}}}])["taskDefinition"]["taskDefinitionArn"]
    service = aws.ecs.create_service(
        cluster=NAME, serviceName=DEFAULT_GROUP, taskDefinition=task_definition, desiredCount=1,
        launchType="FARGATE", healthCheckGracePeriodSeconds=30, tags=ecs_tags,
        loadBalancers=[{"targetGroupArn": group, "containerName": CONTAINER, "containerPort": 80}],
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": net["subnets"], "securityGroups": [net["app_security_group"]], "assignPublicIp": "ENABLED"}},
    )["service"]["serviceArn"]
    return {"cluster": cluster, "task_definition": task_definition, "service": service, "log_group": LOG_GROUP}


def instances(aws: Aws, net: dict[str, Any], group: str) -> dict[str, Any]:
    image = aws.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ids = []
    for n, subnet in enumerate(net["subnets"]):
        ids += [i["InstanceId"] for i in aws.ec2.run_instances(
            ImageId=image, InstanceType="t3.small", MinCount=1, MaxCount=1, SubnetId=subnet,
            SecurityGroupIds=[net["app_security_group"]],
            TagSpecifications=ec2_tags("instance", f"{NAME}-monolith-{n + 1}"))["Instances"]]
    aws.elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": i, "Port": 80} for i in ids])
    return {"instances": ids}


def make(endpoint: str, kind: str, image: str | None) -> dict[str, Any]:
    if kind == "ecs" and not image:
        raise SystemExit("production.py make: --kind ecs needs --image URI (the monolith's image)")
    aws = Aws(endpoint)
    net = network(aws)
    groups = target_groups(aws, net["vpc"], kind)
    made: dict[str, Any] = {"kind": kind, "name": NAME, **net, "target_groups": groups,
                            "default_target_group": groups[DEFAULT_GROUP]}
    made.update(load_balancer(aws, net, groups))
    if kind == "ecs":
        made.update(ecs_monolith(aws, net, groups[DEFAULT_GROUP], image or ""))
    else:
        made.update(instances(aws, net, groups[DEFAULT_GROUP]))
    return made
