#!/usr/bin/env python3
"""Create and delete the core stack against the patched moto server; prove nothing is left.

    python tests/moto/check_core_stack.py [--lab checklab] [--verbose]

Starts ``launch.py`` as a subprocess (moto on 127.0.0.1, a free port), renders the
core template with two service fragments (monolith-service, like-service) exactly as
``src/lab/template.rs`` does, then, for PrivateTasks=false and PrivateTasks=true:
creates the stack with the tag ``mysfits:lab=<lab>``, checks CREATE_COMPLETE, every
output, and what the resources look like; deletes the stack, checks DELETE_COMPLETE
and that no VPC, subnet, route table, internet or NAT gateway, address, security
group, load balancer, target group, cluster, table, repository, log group or role of
the lab remains. The public scenario then creates the stack again (a re-run of
``mysfits up`` after ``cleanup`` reuses every name). Then, each on a fresh stack: the
ECS UpdateService rollout (patch 2); ECS services keeping deploymentConfiguration and
healthCheckGracePeriodSeconds (patch 3); a Fargate RunTask in the stack's VPC, which
needs the VPC's EnableDnsHostnames applied (patch 4), reporting what moto gives for the
task's network interface; the launcher's ECS task patches (5, 6): with
assignPublicIp ENABLED the task's network interface has EC2 Association.PublicIp (a
public address, never contacted; then again with a second launcher started with
MYSFITS_MOTO_PUBLIC_IP=127.0.0.1, where it must be 127.0.0.1 and GET / on it reaches a
test server on loopback), the task stays RUNNING over 5 DescribeTasks, and StopTask
brings it to STOPPED and deletes its interface with the address; the launcher refuses
a non-loopback MYSFITS_MOTO_PUBLIC_IP. Exit status 0 only if all holds.
Needs boto3 and moto[server]; talks to nothing but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import ast
import ipaddress
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEMPLATES = ROOT / "templates"
SERVICES = ["monolith-service", "like-service"]
REGION = "us-east-1"
TAG_LAB = "mysfits:lab"
# The launcher's stand-in for a task's public IP (launch.py, patches.py patch 5).
PUBLIC_IP_ENV = "MYSFITS_MOTO_PUBLIC_IP"
LOOPBACK = "127.0.0.1"

OUTPUT_KEYS = [
    "VpcId", "PublicSubnets", "PrivateSubnets", "AlbArn", "AlbDnsName", "AlbUrl",
    "AlbSecurityGroup", "ListenerArn", "DefaultTargetGroupArn", "TaskSecurityGroup",
    "ClusterName", "ClusterArn", "ExecutionRoleArn", "TaskRoleArn", "LogGroupName",
    "TableName", "TableArn",
]


# ---------------------------------------------------------------- rendering


def logical_id(service: str) -> str:
    """Mirror of src/lab/names.rs logical_id: monolith-service -> MonolithService."""
    return "".join(p[:1].upper() + p[1:] for p in service.split("-") if p)


def fragment(text: str, service: str) -> str:
    """Mirror of src/lab/template.rs fragment(): fill in, drop comments/blank lines, indent 2."""
    filled = text.replace("__LOGICAL__", logical_id(service)).replace("__SERVICE__", service)
    return "".join(
        f"  {line}\n"
        for line in filled.splitlines()
        if not line.lstrip().startswith("#") and line.strip()
    )


def render(services: list[str], templates: Path = TEMPLATES) -> str:
    """Mirror of src/lab/template.rs render()."""
    core = (templates / "core.yaml").read_text()
    repo = (templates / "service-repo.yaml").read_text()
    repo_output = (templates / "service-repo-output.yaml").read_text()
    resources, outputs = core.split("\nOutputs:\n", 1)
    body = resources.rstrip() + "\n"
    body += "".join(fragment(repo, s) for s in services)
    body += "Outputs:\n" + outputs.rstrip() + "\n"
    body += "".join(fragment(repo_output, s) for s in services)
    return body


# ---------------------------------------------------------------- launcher


class Moto:
    """The launcher as a subprocess; stopped by closing its stdin."""

    def __init__(self, verbose: bool, no_patches: bool = False, public_ip: str | None = None) -> None:
        cmd = [sys.executable, str(HERE / "launch.py"), "--port", "0"]
        env = dict(os.environ)
        env.pop(PUBLIC_IP_ENV, None)
        if public_ip:
            env[PUBLIC_IP_ENV] = public_ip
        if verbose:
            cmd.append("--verbose")
        if no_patches:
            cmd.append("--no-patches")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if verbose else subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("MOTO_PORT="):
            self.stop()
            raise SystemExit(f"launcher did not print MOTO_PORT=<port>, got {line!r}")
        self.port = int(line.split("=", 1)[1])
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            return self.proc.wait(timeout=15)


# ---------------------------------------------------------------- checks


class Failures:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.gaps: set[str] = set()

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.items.append(what)
            print(f"    FAIL {what}")

    def declared(self, declared: bool, live_ok: bool, what: str) -> None:
        """A setting moto's CloudFormation does not apply: the template must declare
        it (failure if not); moto not showing it is reported as a gap, not a failure."""
        self.check(declared, f"template declares {what}")
        if declared and not live_ok and what not in self.gaps:
            self.gaps.add(what)
            print(f"    moto gap: template declares {what}, moto does not apply it")


def load_template(body: str) -> dict:
    """YAML with CloudFormation short-form tags kept as {'!Tag': value}."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict:
        if isinstance(node, yaml.ScalarNode):
            value: object = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {f"!{suffix}": value}

    Loader.add_multi_constructor("!", tagged)
    return yaml.load(body, Loader=Loader)


def clients(endpoint: str) -> dict:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    config = Config(retries={"max_attempts": 1}, proxies={})
    names = ["cloudformation", "ec2", "elbv2", "ecs", "iam", "logs", "dynamodb", "ecr"]
    return {n: session.client(n, endpoint_url=endpoint, config=config) for n in names}


def wait_stack(cfn, stack_id: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def check_created(c: dict, lab: str, private: bool, outputs: dict, template: dict, f: Failures) -> None:
    ec2, elbv2, ecs = c["ec2"], c["elbv2"], c["ecs"]
    res = template["Resources"]
    for key in OUTPUT_KEYS + [f"RepoUri{logical_id(s)}" for s in SERVICES]:
        f.check(bool(outputs.get(key)), f"output {key} present and non-empty")
    if not all(outputs.get(k) for k in OUTPUT_KEYS):
        return
    f.check(outputs["AlbUrl"] == f"http://{outputs['AlbDnsName']}", "AlbUrl is http://<AlbDnsName>")
    public = outputs["PublicSubnets"].split(",")
    private_subnets = outputs["PrivateSubnets"].split(",")
    f.check(len(public) == 2 and len(private_subnets) == 2, "two public and two private subnets")

    vpc_id = outputs["VpcId"]
    for attr, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames")):
        value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]
        f.declared(res["Vpc"]["Properties"].get(key) is True, value is True, f"VPC {key}: true")
    subnets = ec2.describe_subnets(SubnetIds=public + private_subnets)["Subnets"]
    zones = {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}
    f.check(len({zones[s] for s in public}) == 2, "public subnets in two zones")
    f.check(len({zones[s] for s in private_subnets}) == 2, "private subnets in two zones")
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    f.check(len(igws) == 1, "one internet gateway attached to the VPC")
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    igw_routes = [
        r for t in tables for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("GatewayId", "").startswith("igw-")
    ]
    nat_routes = [
        r for t in tables for r in t["Routes"]
        if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId")
    ]
    f.check(len(igw_routes) == 1, "one default route to the internet gateway")
    f.check(len(tables) == 4, f"main + public + two private route tables (got {len(tables)})")
    nats = [
        n for n in ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
        if n["State"] != "deleted"
    ]
    f.check(len(nats) == (2 if private else 0), f"{2 if private else 0} NAT gateways")
    f.check(len(nat_routes) == (2 if private else 0), f"{2 if private else 0} private default routes")
    f.check(len(ec2.describe_addresses()["Addresses"]) == (2 if private else 0),
            f"{2 if private else 0} elastic IPs")

    sgs = {
        g["GroupId"]: g
        for g in ec2.describe_security_groups(
            GroupIds=[outputs["AlbSecurityGroup"], outputs["TaskSecurityGroup"]]
        )["SecurityGroups"]
    }
    alb_in = sgs[outputs["AlbSecurityGroup"]]["IpPermissions"]
    f.check(
        any(p.get("FromPort") == 80 and p.get("ToPort") == 80
            and {"CidrIp": "0.0.0.0/0"} in [{"CidrIp": r["CidrIp"]} for r in p.get("IpRanges", [])]
            for p in alb_in),
        "ALB security group admits :80 from 0.0.0.0/0",
    )
    task_in = sgs[outputs["TaskSecurityGroup"]]["IpPermissions"]
    f.check(
        all(not p.get("IpRanges") and not p.get("Ipv6Ranges") for p in task_in)
        and [g["GroupId"] for p in task_in for g in p.get("UserIdGroupPairs", [])]
        == [outputs["AlbSecurityGroup"]],
        "task security group admits the ALB security group only",
    )

    lb = elbv2.describe_load_balancers(LoadBalancerArns=[outputs["AlbArn"]])["LoadBalancers"][0]
    f.check(lb["LoadBalancerName"] == f"{lab}-alb", "ALB named <lab>-alb")
    f.check(lb["Scheme"] == "internet-facing", "ALB internet-facing")
    f.check(sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == sorted(public), "ALB in the public subnets")
    tg = elbv2.describe_target_groups(TargetGroupArns=[outputs["DefaultTargetGroupArn"]])["TargetGroups"][0]
    f.check(len(tg["TargetGroupName"]) <= 32, "target group name within 32 characters")
    f.check(tg["TargetType"] == "ip" and tg["Protocol"] == "HTTP" and tg["Port"] == 80, "target group ip/HTTP/80")
    f.check(tg["HealthCheckPath"] == "/", "health check path /")
    f.check(5 <= tg["HealthCheckIntervalSeconds"] <= 10, "health check interval 5-10 s")
    f.check(tg["HealthyThresholdCount"] == 2, "healthy threshold 2")
    attrs = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]
    }
    declared = {
        a["Key"]: a["Value"]
        for a in res["DefaultTargetGroup"]["Properties"].get("TargetGroupAttributes", [])
    }
    f.declared(
        int(declared.get("deregistration_delay.timeout_seconds", "300")) <= 30,
        int(attrs.get("deregistration_delay.timeout_seconds", "300")) <= 30,
        "target group deregistration_delay.timeout_seconds <= 30",
    )
    listener = elbv2.describe_listeners(ListenerArns=[outputs["ListenerArn"]])["Listeners"][0]
    f.check(listener["Port"] == 80 and listener["Protocol"] == "HTTP", "listener HTTP :80")
    f.check(
        [(a["Type"], a.get("TargetGroupArn")) for a in listener["DefaultActions"]]
        == [("forward", outputs["DefaultTargetGroupArn"])],
        "listener default action forwards to the default target group",
    )

    cluster = ecs.describe_clusters(clusters=[outputs["ClusterArn"]])["clusters"][0]
    f.check(cluster["status"] == "ACTIVE" and cluster["clusterName"] == outputs["ClusterName"], "cluster ACTIVE")

    iam = c["iam"]
    exec_role = outputs["ExecutionRoleArn"].rsplit("/", 1)[1]
    attached = iam.list_attached_role_policies(RoleName=exec_role)["AttachedPolicies"]
    managed = res["ExecutionRole"]["Properties"].get("ManagedPolicyArns", [])
    f.declared(
        any("AmazonECSTaskExecutionRolePolicy" in str(m) for m in managed),
        any(p["PolicyName"] == "AmazonECSTaskExecutionRolePolicy" for p in attached),
        "execution role ManagedPolicyArns: AmazonECSTaskExecutionRolePolicy",
    )
    task_role = outputs["TaskRoleArn"].rsplit("/", 1)[1]
    names = iam.list_role_policies(RoleName=task_role)["PolicyNames"]
    resources: list[str] = []
    actions: set[str] = set()
    for name in names:
        doc = iam.get_role_policy(RoleName=task_role, PolicyName=name)["PolicyDocument"]
        if isinstance(doc, str):
            # AWS hands back URL-encoded JSON; moto 5.2 hands back a CloudFormation-made
            # role's inline policy as a Python dict repr.
            text = urllib.parse.unquote(doc)
            try:
                doc = json.loads(text)
            except json.JSONDecodeError:
                doc = ast.literal_eval(text)
        for st in doc["Statement"]:
            resources += st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            actions |= set(st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    f.check(set(resources) == {outputs["TableArn"], outputs["TableArn"] + "/index/*"},
            "task role covers the table and its indexes, nothing else")
    f.check("dynamodb:Query" in actions and not any("*" in a for a in actions), "task role actions explicit")

    logs = c["logs"].describe_log_groups(logGroupNamePrefix=outputs["LogGroupName"])["logGroups"]
    f.check(outputs["LogGroupName"] == f"/mysfits/{lab}", "log group /mysfits/<lab>")
    f.check(len(logs) == 1 and logs[0].get("retentionInDays") is not None, "log group has a retention")

    table = c["dynamodb"].describe_table(TableName=outputs["TableName"])["Table"]
    f.check(table["KeySchema"] == [{"AttributeName": "MysfitId", "KeyType": "HASH"}], "table hash key MysfitId")
    f.check(table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "table on-demand")
    gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    f.check(set(gsis) == {"LawChaosIndex", "GoodEvilIndex"}, "table GSIs LawChaosIndex and GoodEvilIndex")

    repos = c["ecr"].describe_repositories(repositoryNames=[f"{lab}/{s}" for s in SERVICES])["repositories"]
    by_name = {r["repositoryName"]: r for r in repos}
    for s in SERVICES:
        repo = by_name.get(f"{lab}/{s}")
        f.check(repo is not None and repo["repositoryUri"] == outputs[f"RepoUri{logical_id(s)}"],
                f"repository {lab}/{s} matches its output")


def leftovers(c: dict, lab: str, vpc_id: str, stack_name: str) -> list[str]:
    """Everything of the lab that still exists (default VPC resources excluded)."""
    ec2, elbv2, ecs = c["ec2"], c["elbv2"], c["ecs"]
    left: list[str] = []
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    left += [f"vpc {v}" for v in vpcs]
    left += [
        f"subnet {s['SubnetId']}" for s in ec2.describe_subnets()["Subnets"]
        if s["VpcId"] == vpc_id or not s.get("DefaultForAz")
    ]
    left += [
        f"route table {t['RouteTableId']}" for t in ec2.describe_route_tables()["RouteTables"]
        if t["VpcId"] == vpc_id or t["VpcId"] in vpcs
    ]
    left += [f"internet gateway {g['InternetGatewayId']}" for g in ec2.describe_internet_gateways()["InternetGateways"]]
    left += [
        f"NAT gateway {n['NatGatewayId']} ({n['State']})"
        for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"
    ]
    left += [f"address {a.get('AllocationId')}" for a in ec2.describe_addresses()["Addresses"]]
    left += [
        f"network interface {e['NetworkInterfaceId']}"
        for e in ec2.describe_network_interfaces()["NetworkInterfaces"] if e.get("VpcId") == vpc_id
    ]
    left += [
        f"security group {g['GroupId']} {g['GroupName']}"
        for g in ec2.describe_security_groups()["SecurityGroups"]
        if g.get("VpcId") == vpc_id or g["GroupName"].startswith(f"{lab}-")
    ]
    left += [f"load balancer {lb['LoadBalancerName']}" for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    left += [f"target group {t['TargetGroupName']}" for t in elbv2.describe_target_groups()["TargetGroups"]]
    arns = ecs.list_clusters()["clusterArns"]
    if arns:
        left += [
            f"cluster {cl['clusterName']}" for cl in ecs.describe_clusters(clusters=arns)["clusters"]
            if cl["status"] != "INACTIVE"
        ]
    for arn in arns:
        services = ecs.list_services(cluster=arn)["serviceArns"]
        if services:
            left += [
                f"service {s['serviceName']}"
                for s in ecs.describe_services(cluster=arn, services=services)["services"]
                if s["status"] == "ACTIVE"
            ]
    left += [f"table {t}" for t in c["dynamodb"].list_tables()["TableNames"]]
    left += [f"repository {r['repositoryName']}" for r in c["ecr"].describe_repositories()["repositories"]]
    left += [f"log group {g['logGroupName']}" for g in c["logs"].describe_log_groups()["logGroups"]]
    left += [
        f"role {r['RoleName']}" for r in c["iam"].list_roles()["Roles"]
        if r["RoleName"].startswith(stack_name)
    ]
    return left


def reset(c: dict) -> None:
    """Wipe moto's state (POST /moto-api/reset)."""
    import urllib.request

    endpoint = c["cloudformation"].meta.endpoint_url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).read()


def run_round(c: dict, lab: str, private: bool, body: str, params: list, label: str,
              timings: dict, f: Failures) -> None:
    cfn = c["cloudformation"]
    t0 = time.monotonic()
    stack_id = cfn.create_stack(
        StackName=lab,
        TemplateBody=body,
        Parameters=params,
        Capabilities=["CAPABILITY_IAM"],
        Tags=[{"Key": TAG_LAB, "Value": lab}],
    )["StackId"]
    status = wait_stack(cfn, stack_id)
    timings[f"{label} create"] = time.monotonic() - t0
    f.check(status == "CREATE_COMPLETE", f"{label}: CREATE_COMPLETE (got {status})")
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    f.check({"Key": TAG_LAB, "Value": lab} in stack.get("Tags", []), f"{label}: stack tagged {TAG_LAB}={lab}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    check_created(c, lab, private, outputs, load_template(body), f)
    print(f"    created in {timings[f'{label} create']:.2f} s, {len(outputs)} outputs")

    t0 = time.monotonic()
    try:
        cfn.delete_stack(StackName=stack_id)
        status = wait_stack(cfn, stack_id)
    except Exception as exc:  # moto raises the resource's error instead of DELETE_FAILED
        status = f"error: {exc}"
    timings[f"{label} delete"] = time.monotonic() - t0
    f.check(status == "DELETE_COMPLETE", f"{label}: DELETE_COMPLETE (got {status})")
    left = leftovers(c, lab, outputs.get("VpcId", "-"), lab)
    f.check(not left, f"{label}: nothing left after delete, found: {left}")
    print(f"    deleted in {timings[f'{label} delete']:.2f} s, {len(left)} resources left")


def check_ecs_rollout(c: dict, lab: str, body: str, f: Failures) -> None:
    """The launcher's ECS patch on the core stack: UpdateService starts a new PRIMARY
    deployment (old one ACTIVE, IN_PROGRESS); the next DescribeServices shows it
    COMPLETED with the old deployment gone. Then scale to 0, delete, delete the stack."""
    cfn, ecs = c["cloudformation"], c["ecs"]
    stack_id = cfn.create_stack(
        StackName=lab, TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": "LabName", "ParameterValue": lab}],
        Tags=[{"Key": TAG_LAB, "Value": lab}],
    )["StackId"]
    o = {x["OutputKey"]: x["OutputValue"] for x in cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["Outputs"]}
    cluster, name = o["ClusterName"], "monolith-service"

    def register(tag: str) -> str:
        return ecs.register_task_definition(
            family=f"{lab}-{name}", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", executionRoleArn=o["ExecutionRoleArn"], taskRoleArn=o["TaskRoleArn"],
            containerDefinitions=[{
                "name": name, "image": f"{o['RepoUriMonolithService']}:{tag}",
                "memoryReservation": 256, "portMappings": [{"containerPort": 80}],
            }],
        )["taskDefinition"]["taskDefinitionArn"]

    def deployments(service: dict) -> list:
        return [(d["status"], d["taskDefinition"], d.get("rolloutState")) for d in service["deployments"]]

    def describe() -> dict:
        return ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    td1, td2 = register("v1"), register("nolike")
    ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=td1, desiredCount=1, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": o["PublicSubnets"].split(","), "securityGroups": [o["TaskSecurityGroup"]],
            "assignPublicIp": "ENABLED"}},
        loadBalancers=[{"targetGroupArn": o["DefaultTargetGroupArn"], "containerName": name, "containerPort": 80}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    f.check(deployments(describe()) == [("PRIMARY", td1, "COMPLETED")], "ECS: new service COMPLETED on td 1")
    # family:revision, as a user may pass it; the service reports the full ARN.
    updated = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{lab}-{name}:2")["service"]
    f.check(updated["taskDefinition"] == td2, "ECS: service taskDefinition is the new full ARN")
    f.check(
        deployments(updated) == [("PRIMARY", td2, "IN_PROGRESS"), ("ACTIVE", td1, "COMPLETED")],
        f"ECS: update starts PRIMARY td 2 IN_PROGRESS, td 1 stays ACTIVE (got {deployments(updated)})",
    )
    after = describe()
    f.check(deployments(after) == [("PRIMARY", td2, "COMPLETED")],
            f"ECS: next describe shows td 2 COMPLETED, old deployment gone (got {deployments(after)})")
    f.check(after["runningCount"] == 1 and after["deployments"][0]["runningCount"] == 1, "ECS: 1 task running")
    forced = ecs.update_service(cluster=cluster, service=name, forceNewDeployment=True)["service"]
    f.check(
        [d[0] for d in deployments(forced)] == ["PRIMARY", "ACTIVE"]
        and forced["deployments"][0]["id"] != after["deployments"][0]["id"],
        "ECS: forceNewDeployment starts a new PRIMARY deployment",
    )
    f.check(deployments(describe()) == [("PRIMARY", td2, "COMPLETED")], "ECS: forced rollout COMPLETED")
    scaled = ecs.update_service(cluster=cluster, service=name, desiredCount=0)["service"]
    f.check(len(scaled["deployments"]) == 1 and scaled["deployments"][0]["desiredCount"] == 0,
            "ECS: scaling changes the PRIMARY deployment, starts no new one")
    ecs.delete_service(cluster=cluster, service=name)
    cfn.delete_stack(StackName=stack_id)
    status = wait_stack(cfn, stack_id)
    f.check(status == "DELETE_COMPLETE", f"ECS: stack DELETE_COMPLETE after the service (got {status})")
    left = leftovers(c, lab, o["VpcId"], lab)
    f.check(not left, f"ECS: nothing left, found: {left}")
    print(f"    rollout checked; deleted, {len(left)} resources left")


def create_lab_stack(c: dict, lab: str, body: str) -> tuple[str, dict]:
    """The core stack (public tasks) for the ECS checks; returns (stack id, outputs)."""
    cfn = c["cloudformation"]
    stack_id = cfn.create_stack(
        StackName=lab, TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": "LabName", "ParameterValue": lab}],
        Tags=[{"Key": TAG_LAB, "Value": lab}],
    )["StackId"]
    status = wait_stack(cfn, stack_id)
    if status != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {lab}: {status}")
    stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    return stack_id, {x["OutputKey"]: x["OutputValue"] for x in stack["Outputs"]}


def check_ecs_service_settings(c: dict, lab: str, body: str, f: Failures) -> None:
    """Patch 3: CreateService stores deploymentConfiguration (circuit breaker, percents;
    AWS defaults where not given) and healthCheckGracePeriodSeconds; DescribeServices
    returns them; UpdateService changes only the members it is given."""
    cfn, ecs = c["cloudformation"], c["ecs"]
    stack_id, o = create_lab_stack(c, lab, body)
    cluster = o["ClusterName"]
    network = {"awsvpcConfiguration": {
        "subnets": o["PublicSubnets"].split(","), "securityGroups": [o["TaskSecurityGroup"]],
        "assignPublicIp": "ENABLED"}}

    def register(name: str) -> str:
        return ecs.register_task_definition(
            family=f"{lab}-{name}", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", executionRoleArn=o["ExecutionRoleArn"],
            containerDefinitions=[{
                "name": name, "image": f"{o[f'RepoUri{logical_id(name)}']}:v1",
                "memoryReservation": 256, "portMappings": [{"containerPort": 80}],
            }],
        )["taskDefinition"]["taskDefinitionArn"]

    def settings(service: dict) -> tuple:
        return service.get("deploymentConfiguration"), service.get("healthCheckGracePeriodSeconds")

    def describe(name: str) -> dict:
        return ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    breaker_on = {"enable": True, "rollback": True}
    breaker_off = {"enable": False, "rollback": False}

    # With a circuit breaker and a grace period, percents left to their defaults.
    name = "monolith-service"
    created = ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=register(name), desiredCount=1,
        launchType="FARGATE", networkConfiguration=network,
        loadBalancers=[{"targetGroupArn": o["DefaultTargetGroupArn"], "containerName": name,
                        "containerPort": 80}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration={"deploymentCircuitBreaker": breaker_on},
    )["service"]
    want = ({"deploymentCircuitBreaker": breaker_on, "maximumPercent": 200,
             "minimumHealthyPercent": 100}, 30)
    f.check(settings(created) == want,
            f"ECS settings: CreateService returns circuit breaker, default percents, grace 30 "
            f"(got {settings(created)})")
    f.check(settings(describe(name)) == want,
            f"ECS settings: DescribeServices returns them (got {settings(describe(name))})")

    # UpdateService with one member of deploymentConfiguration: the others stay.
    updated = ecs.update_service(cluster=cluster, service=name,
                                 deploymentConfiguration={"maximumPercent": 150})["service"]
    want = ({"deploymentCircuitBreaker": breaker_on, "maximumPercent": 150,
             "minimumHealthyPercent": 100}, 30)
    f.check(settings(updated) == want and settings(describe(name)) == want,
            f"ECS settings: update of maximumPercent keeps breaker, minimum, grace "
            f"(got {settings(describe(name))})")
    # UpdateService with the grace period only: deploymentConfiguration unchanged.
    ecs.update_service(cluster=cluster, service=name, healthCheckGracePeriodSeconds=60)
    want = (want[0], 60)
    f.check(settings(describe(name)) == want,
            f"ECS settings: update of the grace period only (got {settings(describe(name))})")
    # UpdateService turning the breaker off and setting the minimum; grace stays 60.
    ecs.update_service(cluster=cluster, service=name, deploymentConfiguration={
        "deploymentCircuitBreaker": breaker_off, "minimumHealthyPercent": 50})
    want = ({"deploymentCircuitBreaker": breaker_off, "maximumPercent": 150,
             "minimumHealthyPercent": 50}, 60)
    f.check(settings(describe(name)) == want,
            f"ECS settings: update of breaker and minimum (got {settings(describe(name))})")
    # An update naming neither (desired count only) leaves both alone.
    ecs.update_service(cluster=cluster, service=name, desiredCount=0)
    f.check(settings(describe(name)) == want,
            f"ECS settings: desiredCount update leaves them (got {settings(describe(name))})")

    # Neither given: AWS defaults (200/100, breaker off), no grace period.
    other = "like-service"
    created = ecs.create_service(
        cluster=cluster, serviceName=other, taskDefinition=register(other), desiredCount=1,
        launchType="FARGATE", networkConfiguration=network,
    )["service"]
    want = ({"deploymentCircuitBreaker": breaker_off, "maximumPercent": 200,
             "minimumHealthyPercent": 100}, None)
    f.check(settings(created) == want and settings(describe(other)) == want,
            f"ECS settings: defaults when not given (got {settings(describe(other))})")
    # Each service keeps its own settings.
    f.check(settings(describe(name))[1] == 60, "ECS settings: services do not share settings")

    ecs.update_service(cluster=cluster, service=other, desiredCount=0)
    for s in (name, other):
        ecs.delete_service(cluster=cluster, service=s)
    cfn.delete_stack(StackName=stack_id)
    status = wait_stack(cfn, stack_id)
    f.check(status == "DELETE_COMPLETE", f"ECS settings: stack DELETE_COMPLETE (got {status})")
    left = leftovers(c, lab, o["VpcId"], lab)
    f.check(not left, f"ECS settings: nothing left, found: {left}")
    print(f"    service settings checked; deleted, {len(left)} resources left")


def moto_api(c: dict, path: str, payload: dict | None = None) -> None:
    """POST to moto's own API (loopback), e.g. state-manager/set-transition."""
    import urllib.request

    endpoint = c["cloudformation"].meta.endpoint_url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = json.dumps(payload or {}).encode()
    request = urllib.request.Request(f"{endpoint}/moto-api/{path}", data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    opener.open(request, timeout=10).read()


def _serve_once_on_loopback() -> tuple[object, int]:
    """A tiny HTTP server on 127.0.0.1 standing in for the task's container port."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = b"mysfits task stand-in\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def check_run_task(c: dict, lab: str, body: str, f: Failures, public_ip: str | None = None) -> dict:
    """Patches 4, 5, 6 as `mysfits run` uses them: the stack's VPC has DNS support and
    hostnames on (as declared), so a Fargate RunTask with awsvpc networking in its
    public subnets succeeds (plain moto answers 500); the task reaches RUNNING and
    stays there over 5 DescribeTasks; with assignPublicIp ENABLED its network interface
    (attachments[].details networkInterfaceId) has EC2 Association.PublicIp, equal to
    ``public_ip`` (the launcher's MYSFITS_MOTO_PUBLIC_IP) when given, else a public,
    non-private, non-loopback address (never contacted); with DISABLED it has none.
    When the address is loopback, GET / on it reaches a test server on 127.0.0.1.
    StopTask: STOPPED within a few DescribeTasks, the interface and its address gone.
    Returns the findings."""
    label = f"RunTask[{PUBLIC_IP_ENV}={public_ip}]" if public_ip else "RunTask"
    cfn, ecs, ec2 = c["cloudformation"], c["ecs"], c["ec2"]
    stack_id, o = create_lab_stack(c, lab, body)
    cluster, vpc_id = o["ClusterName"], o["VpcId"]
    public = o["PublicSubnets"].split(",")
    findings: dict = {}
    for attr, key in (("enableDnsSupport", "EnableDnsSupport"),
                      ("enableDnsHostnames", "EnableDnsHostnames")):
        value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]
        f.check(value is True, f"{label}: stack VPC {key} is true (got {value})")

    td = ecs.register_task_definition(
        family=f"{lab}-run", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="256", memory="512", executionRoleArn=o["ExecutionRoleArn"],
        containerDefinitions=[{
            "name": "app", "image": f"{o['RepoUriMonolithService']}:v1",
            "memoryReservation": 512, "portMappings": [{"containerPort": 80}],
        }],
    )["taskDefinition"]["taskDefinitionArn"]
    # A harness that unsets its own transition must get the launcher's default back
    # (RUNNING until stopped), not moto's one-state-per-describe.
    moto_api(c, "state-manager/unset-transition", {"model_name": "ecs::task"})

    def run(assign: str) -> str:
        result = ecs.run_task(
            cluster=cluster, taskDefinition=td, launchType="FARGATE", count=1,
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": public, "securityGroups": [o["TaskSecurityGroup"]],
                "assignPublicIp": assign}},
        )
        f.check(not result["failures"] and len(result["tasks"]) == 1,
                f"{label}: RunTask assignPublicIp {assign}: one task, no failures "
                f"(got {result['failures']})")
        return result["tasks"][0]["taskArn"]

    def describe(arn: str) -> dict:
        return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]

    def eni_details(task: dict) -> dict:
        enis = [a for a in task.get("attachments", []) if a.get("type") == "ElasticNetworkInterface"]
        f.check(len(enis) == 1, f"{label}: one ElasticNetworkInterface attachment (got {len(enis)})")
        return {d["name"]: d.get("value") for d in (enis[0]["details"] if enis else [])}

    def eni_gone(eni_id: str) -> bool:
        try:
            ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
        except ec2.exceptions.ClientError as exc:
            return exc.response["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"
        return False

    def stop(arn: str, eni_id: str, what: str) -> None:
        stopped = ecs.stop_task(cluster=cluster, task=arn, reason="check done")["task"]
        f.check(stopped.get("desiredStatus") == "STOPPED", f"{label}: {what}: StopTask desiredStatus STOPPED")
        seen = []
        for _ in range(5):
            seen.append(describe(arn)["lastStatus"])
            if seen[-1] == "STOPPED":
                break
        f.check(seen[-1:] == ["STOPPED"], f"{label}: {what}: STOPPED within 5 DescribeTasks (got {seen})")
        after = describe(arn)
        f.check(after["lastStatus"] == "STOPPED", f"{label}: {what}: stays STOPPED")
        statuses = [a.get("status") for a in after.get("attachments", [])
                    if a.get("type") == "ElasticNetworkInterface"]
        f.check(statuses == ["DELETED"], f"{label}: {what}: ENI attachment DELETED (got {statuses})")
        f.check(bool(eni_id) and eni_gone(eni_id),
                f"{label}: {what}: the task's network interface is deleted with the task")

    # --- assignPublicIp ENABLED: what `mysfits run` does.
    task_arn = run("ENABLED")
    task: dict = {}
    for _ in range(20):
        task = describe(task_arn)
        if task["lastStatus"] == "RUNNING":
            break
        time.sleep(0.1)
    f.check(task.get("lastStatus") == "RUNNING", f"{label}: task RUNNING (got {task.get('lastStatus')})")
    held = [describe(task_arn)["lastStatus"] for _ in range(5)]
    f.check(held == ["RUNNING"] * 5, f"{label}: task stays RUNNING over 5 DescribeTasks (got {held})")
    details = eni_details(task)
    findings["attachment details"] = details
    eni_id = details.get("networkInterfaceId") or ""
    private_ip = details.get("privateIPv4Address") or ""
    f.check(eni_id.startswith("eni-"), f"{label}: details networkInterfaceId eni-… (got {eni_id!r})")
    try:
        ipaddress.IPv4Address(private_ip)
        valid_ip = True
    except ValueError:
        valid_ip = False
    f.check(valid_ip, f"{label}: details privateIPv4Address is IPv4 (got {private_ip!r})")
    f.check(details.get("subnetId") in public, f"{label}: details subnetId is a public subnet")
    f.check(bool(details.get("privateDnsName")), f"{label}: details privateDnsName set (VPC DNS hostnames)")
    address = ""
    if eni_id:
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
        f.check(eni.get("PrivateIpAddress") == private_ip and eni.get("VpcId") == vpc_id,
                f"{label}: EC2 network interface matches the attachment, in the stack VPC")
        association = eni.get("Association") or {}
        address = association.get("PublicIp") or ""
        findings["EC2 PrivateIpAddress"] = eni.get("PrivateIpAddress")
        findings["EC2 Association"] = association or None
        if public_ip:
            f.check(address == public_ip,
                    f"{label}: Association.PublicIp is {PUBLIC_IP_ENV} (got {address!r})")
        else:
            try:
                ip = ipaddress.IPv4Address(address)
                ok = ip.is_global and not ip.is_private and not ip.is_loopback
            except ValueError:
                ok = False
            f.check(ok, f"{label}: Association.PublicIp is a public IPv4 address, not private or "
                        f"loopback (got {address!r}; not contacted)")
        f.check(association.get("IpOwnerId") == "amazon",
                f"{label}: Association.IpOwnerId amazon (got {association.get('IpOwnerId')!r})")
        dashed = address.replace(".", "-")
        f.check(association.get("PublicDnsName") == f"ec2-{dashed}.compute-1.amazonaws.com",
                f"{label}: Association.PublicDnsName ec2-…compute-1.amazonaws.com "
                f"(got {association.get('PublicDnsName')!r})")
        primary = [p for p in eni.get("PrivateIpAddresses", []) if p.get("Primary")]
        f.check(len(primary) == 1 and (primary[0].get("Association") or {}).get("PublicIp") == address,
                f"{label}: the primary private address carries the same association")
        subnet = ec2.describe_subnets(SubnetIds=[details.get("subnetId") or eni["SubnetId"]])["Subnets"][0]
        findings["private IP inside subnet CIDR"] = (
            valid_ip and ipaddress.IPv4Address(private_ip) in ipaddress.IPv4Network(subnet["CidrBlock"])
        )
    if address and ipaddress.IPv4Address(address).is_loopback:
        # What `mysfits run` does next: GET / on the public IP. Only ever on loopback.
        server, port = _serve_once_on_loopback()
        try:
            import urllib.request

            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(f"http://{address}:{port}/", timeout=5) as response:
                status, text = response.status, response.read()
            f.check(status == 200 and text == b"mysfits task stand-in\n",
                    f"{label}: GET / on the task's public IP reaches the loopback server (got {status})")
            findings["GET / on the public IP"] = status
        finally:
            server.shutdown()  # type: ignore[attr-defined]
            server.server_close()  # type: ignore[attr-defined]
    if findings.get("private IP inside subnet CIDR") is False:
        f.gaps.add("RunTask: the task's private IP is not from its subnet's CIDR block")
    stop(task_arn, eni_id, "assignPublicIp ENABLED")
    if address:
        holders = [e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces()["NetworkInterfaces"]
                   if (e.get("Association") or {}).get("PublicIp") == address]
        f.check(not holders, f"{label}: the public IP is released with the interface (held by {holders})")

    # --- assignPublicIp DISABLED: no public address.
    other_arn = run("DISABLED")
    other = describe(other_arn)
    other_eni = eni_details(other).get("networkInterfaceId") or ""
    if other_eni:
        eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[other_eni])["NetworkInterfaces"][0]
        f.check(not eni.get("Association"),
                f"{label}: assignPublicIp DISABLED: no Association (got {eni.get('Association')})")
    stop(other_arn, other_eni, "assignPublicIp DISABLED")

    cfn.delete_stack(StackName=stack_id)
    status = wait_stack(cfn, stack_id)
    f.check(status == "DELETE_COMPLETE", f"{label}: stack DELETE_COMPLETE (got {status})")
    left = leftovers(c, lab, vpc_id, lab)
    f.check(not left, f"{label}: nothing left, found: {left}")
    for key, value in findings.items():
        print(f"    {key}: {value}")
    return findings


def check_launcher_refuses(public_ip: str, f: Failures) -> None:
    """MYSFITS_MOTO_PUBLIC_IP takes loopback addresses only: anything else stops the
    launcher before it serves (the address is never contacted)."""
    env = dict(os.environ, **{PUBLIC_IP_ENV: public_ip})
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "launch.py"), "--port", "0"], input="", env=env,
            capture_output=True, text=True, timeout=60,
        )
        refused = done.returncode != 0 and "MOTO_PORT=" not in done.stdout
        got = f"exit {done.returncode}, stdout {done.stdout.strip()!r}"
    except subprocess.TimeoutExpired:
        refused, got = False, "still running after 60 s"
    f.check(refused, f"launcher refuses {PUBLIC_IP_ENV}={public_ip} (got {got})")
    print(f"    {PUBLIC_IP_ENV}={public_ip}: {'refused' if refused else 'ACCEPTED'}")


def scenario(c: dict, lab: str, private: bool, body: str, f: Failures, recreate: bool) -> dict:
    params = [
        {"ParameterKey": "LabName", "ParameterValue": lab},
        {"ParameterKey": "PrivateTasks", "ParameterValue": "true" if private else "false"},
    ]
    timings: dict[str, float] = {}
    rounds = 2 if recreate else 1
    for n in range(rounds):
        label = f"PrivateTasks={str(private).lower()}" + (" (re-run)" if n else "")
        print(f"  {label}")
        before = len(f.items)
        try:
            run_round(c, lab, private, body, params, label, timings, f)
        except Exception as exc:  # noqa: BLE001 - reported as a failure, then go on
            f.check(False, f"{label}: {type(exc).__name__}: {exc}")
        if len(f.items) > before:
            reset(c)  # so later rounds are not failures of this one
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="checklab")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--no-patches",
        action="store_true",
        help="run against plain moto: shows what the patches are for (expected to FAIL)",
    )
    args = parser.parse_args()

    os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1"]))
    body = render(SERVICES)
    f = Failures()
    moto = Moto(args.verbose, args.no_patches)
    timings: dict[str, float] = {}
    try:
        print(f"moto on {moto.endpoint}")
        c = clients(moto.endpoint)
        timings.update(scenario(c, args.lab, False, body, f, recreate=True))
        timings.update(scenario(c, args.lab, True, body, f, recreate=False))
        for title, label, check in (
            ("ECS UpdateService rollout", "ECS", check_ecs_rollout),
            ("ECS service deploymentConfiguration / healthCheckGracePeriodSeconds",
             "ECS settings", check_ecs_service_settings),
            ("Fargate RunTask in the stack's VPC", "RunTask", check_run_task),
        ):
            print(f"  {title}")
            before = len(f.items)
            try:
                check(c, args.lab, body, f)
            except Exception as exc:  # noqa: BLE001
                f.check(False, f"{label}: {type(exc).__name__}: {exc}")
            if len(f.items) > before:
                reset(c)  # so the next check does not fail on this one's leftovers
    finally:
        rc = moto.stop()
    f.check(rc == 0, f"launcher exited 0 after stdin closed (got {rc})")

    # The same RunTask with the launcher's stand-in public IP, as the Rust tests start it.
    print(f"  Fargate RunTask, launcher with {PUBLIC_IP_ENV}={LOOPBACK}")
    moto = Moto(args.verbose, args.no_patches, public_ip=LOOPBACK)
    try:
        print(f"    moto on {moto.endpoint}")
        try:
            check_run_task(clients(moto.endpoint), args.lab, body, f, public_ip=LOOPBACK)
        except Exception as exc:  # noqa: BLE001
            f.check(False, f"RunTask[{PUBLIC_IP_ENV}={LOOPBACK}]: {type(exc).__name__}: {exc}")
    finally:
        rc = moto.stop()
    f.check(rc == 0, f"launcher ({PUBLIC_IP_ENV}) exited 0 after stdin closed (got {rc})")
    if not args.no_patches:
        print(f"  launcher {PUBLIC_IP_ENV} accepts loopback only")
        check_launcher_refuses("192.0.2.10", f)
    print("timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    for gap in sorted(f.gaps):
        print(f"moto gap (not a failure): {gap}")
    if f.items:
        print(f"FAILED: {len(f.items)} check(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
