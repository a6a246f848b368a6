"""The launcher's moto patches, checked with the core stack the binary deploys.

The template is what ``mysfits template --manifest examples/mysfits.yaml`` prints (the
binary is ``MYSFITS_BIN``, else what ``cargo build`` makes, in ``CARGO_TARGET_DIR``).
Against ``launch.py`` (moto on 127.0.0.1, a free port):

* the core stack with PrivateTasks=false, again after its deletion (a re-run of
  ``mysfits up`` after ``cleanup`` reuses every name), and with PrivateTasks=true:
  CREATE_COMPLETE, every output, what the resources look like, DELETE_COMPLETE and
  nothing of the lab left (``patches/cfn_deletions.py``, ``cfn_vpc_dns.py``,
  ``cfn_target_group_attributes.py``), the website bucket's index document, public access
  block, ownership rule and public-read policy (``cfn_s3_bucket_website.py``,
  ``cfn_s3_bucket_policy.py``);
* on a fresh stack each: the UpdateService rollout (``ecs_deployments.py``), with the
  service's task registered in its target group while it runs
  (``ecs_service_targets.py``), and the services' deployment settings
  (``ecs_service_settings.py``); a stack update of the default target group's
  health-check and draining parameters, in place (``cfn_target_group_updates.py``);
* a Fargate RunTask in the stack's VPC (``cfn_vpc_dns.py``, ``ecs_task_enis.py``,
  ``ecs_task_lifecycle.py``), on a launcher of its own: once as the launcher starts by
  default, once with ``MYSFITS_MOTO_PUBLIC_IP=127.0.0.1`` as the Rust tests start it,
  where GET / on the task's public IP reaches a test server on loopback; and that the
  launcher refuses any other ``MYSFITS_MOTO_PUBLIC_IP``.

What moto does not do and no patch adds is a ``MotoGap`` warning, not a failure.
``MYSFITS_MOTO_NO_PATCHES=1`` runs everything against plain moto (``launch.py
--no-patches``) to show what the patches are for: expected to fail. Talks to nothing
but 127.0.0.1.
"""

from __future__ import annotations

import ast
import http.server
import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore import exceptions as c_errors
from botocore.config import Config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
from localaws.patches.ecs_task_enis import PUBLIC_IP_ENV  # noqa: E402
from localaws.patches.ecs_task_lifecycle import TASK_MODEL  # noqa: E402
MANIFEST = ROOT / "examples" / "mysfits.yaml"
SERVICES: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text())["services"]
SERVICE_NAMES = [s["name"] for s in SERVICES]
SERVICE_PORTS = sorted({int(s.get("port", 80)) for s in SERVICES})  # 80: the manifest's default
LAB = "checklab"
REGION = "us-east-1"
TAG_LAB = "mysfits:lab"
LOOPBACK = "127.0.0.1"
NO_PATCHES = os.environ.get("MYSFITS_MOTO_NO_PATCHES") == "1"
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))

Clients = dict[str, Any]


class MotoGap(UserWarning):
    """AWS does it, moto does not, and no patch adds it: reported, not failed."""


def logical_id(service: str) -> str:
    """The name rule of crates/lab/src/names.rs: monolith-service -> MonolithService."""
    return "".join(p[:1].upper() + p[1:] for p in service.split("-") if p)


# ---------------------------------------------------------------- the binary's template


def mysfits_binary() -> Path:
    """``MYSFITS_BIN``, else the binary ``cargo build`` reports (its target dir, its rules)."""
    given = os.environ.get("MYSFITS_BIN")
    if given:
        return Path(given)
    done = subprocess.run(
        ["cargo", "build", "--quiet", "--bin", "mysfits", "--message-format=json-render-diagnostics"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"cargo build failed:\n{done.stderr}")
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if (message.get("reason") == "compiler-artifact" and message.get("executable")
                and message["target"]["name"] == "mysfits"):
            return Path(message["executable"])
    pytest.fail("cargo build reported no mysfits executable")


def load_template(body: str) -> dict[str, Any]:
    """YAML with CloudFormation short-form tags kept as {'!Tag': value}."""

    class Loader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: object = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {f"!{suffix}": value}

    Loader.add_multi_constructor("!", tagged)
    return yaml.load(body, Loader=Loader)


@pytest.fixture(scope="session")
def body() -> str:
    """The core stack's template for the example manifest, exactly as `mysfits up` sends it."""
    done = subprocess.run(
        [str(mysfits_binary()), "template", "--manifest", str(MANIFEST)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, f"mysfits template failed: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def template(body: str) -> dict[str, Any]:
    return load_template(body)


# ---------------------------------------------------------------- the launcher and moto


def clients(endpoint: str) -> Clients:
    """boto3 clients for moto, dummy credentials, no retries (a retry would hide an error)."""
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    config = Config(retries={"max_attempts": 1}, proxies={})
    names = ["cloudformation", "ec2", "elbv2", "ecs", "iam", "logs", "dynamodb", "ecr"]
    made = {n: session.client(n, endpoint_url=endpoint, config=config) for n in names}
    # Path-style, as the tool addresses S3: loopback has no per-bucket host names.
    made["s3"] = session.client("s3", endpoint_url=endpoint, config=config.merge(
        Config(s3={"addressing_style": "path"})))
    return made


class Launcher:
    """``launch.py`` as a subprocess, stopped by closing its stdin as the Rust harness does.

    Its stderr is inherited, so pytest shows it with a failing test."""

    def __init__(self, public_ip: str | None = None) -> None:
        cmd = [sys.executable, str(HERE / "launch.py"), "--port", "0"]
        if NO_PATCHES:
            cmd.append("--no-patches")
        env = dict(os.environ)
        env.pop(PUBLIC_IP_ENV, None)
        if public_ip:
            env[PUBLIC_IP_ENV] = public_ip
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("MOTO_PORT="):
            self.stop()
            raise RuntimeError(f"launcher did not print MOTO_PORT=<port>, got {line!r}")
        self.endpoint = f"http://{LOOPBACK}:{int(line.split('=', 1)[1])}"
        self.clients = clients(self.endpoint)

    def stop(self) -> int:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            return self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            return self.proc.wait(timeout=15)


@pytest.fixture(scope="session", autouse=True)
def no_proxy_for_loopback() -> Iterator[None]:
    """A proxy configured for the machine must not see the calls to moto."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", ",".join(filter(None, [os.environ.get("NO_PROXY"), LOOPBACK])))
        yield


@pytest.fixture(scope="module")
def moto() -> Iterator[Launcher]:
    """One launcher for the stack and ECS checks; each check starts from a reset state."""
    launcher = Launcher()
    yield launcher
    launcher.stop()


def moto_api(endpoint: str, path: str, payload: dict[str, Any] | None = None) -> None:
    """POST to moto's own API, e.g. reset or state-manager/set-transition."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}", data=json.dumps(payload or {}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    LOCAL.open(request, timeout=10).read()


def wait_stack(cfn: Any, stack_id: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def create_stack(c: Clients, body: str, parameters: dict[str, str]) -> str:
    """CreateStack as `mysfits up` does it (tagged with the lab); returns the stack id."""
    return c["cloudformation"].create_stack(
        StackName=LAB, TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Tags=[{"Key": TAG_LAB, "Value": LAB}],
    )["StackId"]


def outputs_of(c: Clients, stack_id: str) -> dict[str, str]:
    stack = c["cloudformation"].describe_stacks(StackName=stack_id)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def create_lab_stack(c: Clients, body: str) -> tuple[str, dict[str, str]]:
    """The core stack with public tasks, for the ECS checks; returns (stack id, outputs)."""
    stack_id = create_stack(c, body, {"LabName": LAB})
    status = wait_stack(c["cloudformation"], stack_id)
    if status != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {LAB}: {status}")
    return stack_id, outputs_of(c, stack_id)


def delete_stack(c: Clients, stack_id: str) -> str:
    """DeleteStack and its final status; moto raises a resource's error instead of
    reporting DELETE_FAILED, so that becomes the status."""
    try:
        c["cloudformation"].delete_stack(StackName=stack_id)
        return wait_stack(c["cloudformation"], stack_id)
    except Exception as exc:  # noqa: BLE001 - the status is what the tests check
        return f"error: {exc}"


def leftovers(c: Clients, vpc_id: str) -> list[str]:
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
        if g.get("VpcId") == vpc_id or g["GroupName"].startswith(f"{LAB}-")
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
    left += [f"role {r['RoleName']}" for r in c["iam"].list_roles()["Roles"] if r["RoleName"].startswith(LAB)]
    left += [f"bucket {b['Name']}" for b in c["s3"].list_buckets().get("Buckets", [])]
    return left


def register_task_definition(c: Clients, outputs: dict[str, str], service: str, family: str,
                             memory_reservation: int, tag: str = "v1", task_role: bool = False) -> str:
    """A Fargate task definition of the service's image, as `mysfits deploy` registers it
    (container memoryReservation: moto's Fargate RunTask needs it)."""
    extra = {"taskRoleArn": outputs["TaskRoleArn"]} if task_role else {}
    return c["ecs"].register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="256", memory="512", executionRoleArn=outputs["ExecutionRoleArn"], **extra,
        containerDefinitions=[{
            "name": service, "image": f"{outputs[f'RepoUri{logical_id(service)}']}:{tag}",
            "memoryReservation": memory_reservation, "portMappings": [{"containerPort": 80}],
        }],
    )["taskDefinition"]["taskDefinitionArn"]


def public_network(outputs: dict[str, str]) -> dict[str, Any]:
    return {"awsvpcConfiguration": {
        "subnets": outputs["PublicSubnets"].split(","), "securityGroups": [outputs["TaskSecurityGroup"]],
        "assignPublicIp": "ENABLED"}}


# ---------------------------------------------------------------- the core stack


@dataclass
class Live:
    """What the core stack's resources look like while the stack stands."""

    vpc_dns: dict[str, bool]
    zones: dict[str, str]
    internet_gateways: list[dict[str, Any]]
    route_tables: list[dict[str, Any]]
    nat_gateways: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    security_groups: dict[str, dict[str, Any]]
    load_balancer: dict[str, Any]
    target_group: dict[str, Any]
    target_group_attributes: dict[str, str]
    listener: dict[str, Any]
    cluster: dict[str, Any]
    execution_role_policies: list[str]
    task_role_statements: list[dict[str, Any]]
    log_groups: list[dict[str, Any]]
    table: dict[str, Any]
    repositories: dict[str, dict[str, Any]]
    # The website bucket's configuration as S3 answers it (an error's code where it has none).
    website: dict[str, Any] | str
    bucket_policy: dict[str, Any] | str
    public_access_block: dict[str, Any] | str
    ownership_rules: list[dict[str, Any]] | str


@dataclass
class CoreRound:
    """One create, inspection and delete of the core stack, as `up` then `cleanup`."""

    private: bool
    create_status: str = ""
    tags: list[dict[str, str]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    live: Live | None = None
    delete_status: str = ""
    leftovers: list[str] = field(default_factory=list)


def policy_document(doc: Any) -> dict[str, Any]:
    """AWS hands back URL-encoded JSON; moto 5.2 hands back a CloudFormation-made role's
    inline policy as a Python dict repr."""
    if not isinstance(doc, str):
        return doc
    text = urllib.parse.unquote(doc)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def s3_answer(call: Any, key: str, **kwargs: Any) -> Any:
    """One S3 Get…'s ``key``, or the error code S3 answered instead."""
    try:
        return call(**kwargs)[key]
    except c_errors.ClientError as exc:
        return exc.response["Error"]["Code"]


def observe(c: Clients, outputs: dict[str, str]) -> Live:
    """Every describe the checks need, made before the stack is deleted."""
    ec2, elbv2, iam = c["ec2"], c["elbv2"], c["iam"]
    vpc_id = outputs["VpcId"]
    subnet_ids = outputs["PublicSubnets"].split(",") + outputs["PrivateSubnets"].split(",")
    groups = [outputs["AlbSecurityGroup"], outputs["TaskSecurityGroup"], outputs["RunSecurityGroup"]]
    target_group = elbv2.describe_target_groups(
        TargetGroupArns=[outputs["DefaultTargetGroupArn"]])["TargetGroups"][0]
    task_role = outputs["TaskRoleArn"].rsplit("/", 1)[1]
    statements = [
        st
        for name in iam.list_role_policies(RoleName=task_role)["PolicyNames"]
        for st in policy_document(
            iam.get_role_policy(RoleName=task_role, PolicyName=name)["PolicyDocument"])["Statement"]
    ]
    repositories = c["ecr"].describe_repositories(
        repositoryNames=[f"{LAB}/{s}" for s in SERVICE_NAMES])["repositories"]
    s3, bucket = c["s3"], outputs["WebsiteBucket"]
    policy = s3_answer(s3.get_bucket_policy, "Policy", Bucket=bucket)
    if policy.startswith("{"):
        policy = json.loads(policy)
    ownership = s3_answer(s3.get_bucket_ownership_controls, "OwnershipControls", Bucket=bucket)
    return Live(
        vpc_dns={
            key: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]
            for attr, key in (("enableDnsSupport", "EnableDnsSupport"),
                              ("enableDnsHostnames", "EnableDnsHostnames"))
        },
        zones={s["SubnetId"]: s["AvailabilityZone"]
               for s in ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]},
        internet_gateways=ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"],
        route_tables=ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"],
        nat_gateways=[
            n for n in ec2.describe_nat_gateways(
                Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
            if n["State"] != "deleted"
        ],
        addresses=ec2.describe_addresses()["Addresses"],
        security_groups={g["GroupId"]: g for g in ec2.describe_security_groups(GroupIds=groups)["SecurityGroups"]},
        load_balancer=elbv2.describe_load_balancers(LoadBalancerArns=[outputs["AlbArn"]])["LoadBalancers"][0],
        target_group=target_group,
        target_group_attributes={
            a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(
                TargetGroupArn=target_group["TargetGroupArn"])["Attributes"]
        },
        listener=elbv2.describe_listeners(ListenerArns=[outputs["ListenerArn"]])["Listeners"][0],
        cluster=c["ecs"].describe_clusters(clusters=[outputs["ClusterArn"]])["clusters"][0],
        execution_role_policies=[
            p["PolicyName"] for p in iam.list_attached_role_policies(
                RoleName=outputs["ExecutionRoleArn"].rsplit("/", 1)[1])["AttachedPolicies"]
        ],
        task_role_statements=statements,
        log_groups=c["logs"].describe_log_groups(logGroupNamePrefix=outputs["LogGroupName"])["logGroups"],
        table=c["dynamodb"].describe_table(TableName=outputs["TableName"])["Table"],
        repositories={r["repositoryName"]: r for r in repositories},
        website=s3_answer(s3.get_bucket_website, "IndexDocument", Bucket=bucket),
        bucket_policy=policy,
        public_access_block=s3_answer(s3.get_public_access_block,
                                      "PublicAccessBlockConfiguration", Bucket=bucket),
        ownership_rules=ownership["Rules"] if isinstance(ownership, dict) else ownership,
    )


def run_core_round(c: Clients, body: str, declared_outputs: list[str], private: bool) -> CoreRound:
    """Create, inspect (when there is a complete stack to inspect), delete, look for leftovers."""
    result = CoreRound(private)
    stack_id = create_stack(c, body, {"LabName": LAB, "PrivateTasks": str(private).lower()})
    result.create_status = wait_stack(c["cloudformation"], stack_id)
    result.tags = c["cloudformation"].describe_stacks(StackName=stack_id)["Stacks"][0].get("Tags", [])
    result.outputs = outputs_of(c, stack_id)
    try:
        if result.create_status == "CREATE_COMPLETE" and all(result.outputs.get(k) for k in declared_outputs):
            result.live = observe(c, result.outputs)
    finally:
        result.delete_status = delete_stack(c, stack_id)
        result.leftovers = leftovers(c, result.outputs.get("VpcId", "-"))
    return result


ROUNDS = {"PrivateTasks=false": False, "PrivateTasks=false re-run": False, "PrivateTasks=true": True}


@pytest.fixture(scope="module")
def core_rounds(moto: Launcher, body: str,
                template: dict[str, Any]) -> dict[str, CoreRound | Exception]:
    """The rounds in order on one server: the re-run reuses every name of the first."""
    moto_api(moto.endpoint, "reset")
    done: dict[str, CoreRound | Exception] = {}
    for label, private in ROUNDS.items():
        try:
            done[label] = run_core_round(moto.clients, body, list(template["Outputs"]), private)
        except Exception as exc:  # noqa: BLE001 - this round's tests report it
            done[label] = exc
        result = done[label]
        if (isinstance(result, Exception) or result.leftovers
                or result.delete_status != "DELETE_COMPLETE"):
            moto_api(moto.endpoint, "reset")  # so later rounds are not failures of this one
    return done


@pytest.fixture(params=list(ROUNDS))
def core(request: pytest.FixtureRequest, core_rounds: dict[str, CoreRound | Exception]) -> CoreRound:
    result = core_rounds[request.param]
    if isinstance(result, Exception):
        raise result
    return result


@pytest.fixture
def live(core: CoreRound) -> Live:
    if core.live is None:
        pytest.fail(f"nothing to inspect: {core.create_status}, outputs {sorted(core.outputs)}")
    return core.live


def expected_count(core: CoreRound) -> int:
    """Two per zone with private tasks (NAT gateways, their addresses and routes), else none."""
    return 2 if core.private else 0


def ingress_from_anywhere(group: dict[str, Any], port: int) -> bool:
    return any(p.get("FromPort") == port and p.get("ToPort") == port
               and "0.0.0.0/0" in [r["CidrIp"] for r in p.get("IpRanges", [])]
               for p in group["IpPermissions"])


class TestCoreStack:
    def test_create_complete(self, core: CoreRound) -> None:
        assert core.create_status == "CREATE_COMPLETE"

    def test_stack_tagged_with_lab(self, core: CoreRound) -> None:
        assert {"Key": TAG_LAB, "Value": LAB} in core.tags

    def test_every_declared_output_present(self, core: CoreRound, template: dict[str, Any]) -> None:
        missing = [k for k in template["Outputs"] if not core.outputs.get(k)]
        assert not missing, f"outputs missing or empty: {missing}"

    def test_alb_url_is_http_dns_name(self, core: CoreRound) -> None:
        assert core.outputs["AlbUrl"] == f"http://{core.outputs['AlbDnsName']}"

    def test_two_public_and_two_private_subnets(self, core: CoreRound) -> None:
        assert len(core.outputs["PublicSubnets"].split(",")) == 2
        assert len(core.outputs["PrivateSubnets"].split(",")) == 2

    def test_task_subnets_and_public_ip_follow_private_tasks(self, core: CoreRound) -> None:
        kind = "PrivateSubnets" if core.private else "PublicSubnets"
        assert core.outputs["TaskSubnets"] == core.outputs[kind]
        assert core.outputs["TaskAssignPublicIp"] == ("DISABLED" if core.private else "ENABLED")

    @pytest.mark.parametrize("key", ["EnableDnsSupport", "EnableDnsHostnames"])
    def test_template_declares_vpc_dns(self, template: dict[str, Any], key: str) -> None:
        assert template["Resources"]["Vpc"]["Properties"].get(key) is True

    @pytest.mark.parametrize("key", ["EnableDnsSupport", "EnableDnsHostnames"])
    def test_vpc_dns_applied(self, live: Live, key: str) -> None:
        assert live.vpc_dns[key] is True

    @pytest.mark.parametrize("kind", ["PublicSubnets", "PrivateSubnets"])
    def test_subnets_in_two_zones(self, core: CoreRound, live: Live, kind: str) -> None:
        assert len({live.zones[s] for s in core.outputs[kind].split(",")}) == 2

    def test_one_internet_gateway_attached(self, live: Live) -> None:
        assert len(live.internet_gateways) == 1

    def test_one_default_route_to_the_internet_gateway(self, live: Live) -> None:
        routes = [r for t in live.route_tables for r in t["Routes"]
                  if r.get("DestinationCidrBlock") == "0.0.0.0/0"
                  and r.get("GatewayId", "").startswith("igw-")]
        assert len(routes) == 1

    def test_main_public_and_two_private_route_tables(self, live: Live) -> None:
        assert len(live.route_tables) == 4

    def test_nat_gateways(self, core: CoreRound, live: Live) -> None:
        assert len(live.nat_gateways) == expected_count(core)

    def test_private_default_routes(self, core: CoreRound, live: Live) -> None:
        routes = [r for t in live.route_tables for r in t["Routes"]
                  if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("NatGatewayId")]
        assert len(routes) == expected_count(core)

    def test_elastic_ips(self, core: CoreRound, live: Live) -> None:
        assert len(live.addresses) == expected_count(core)

    def test_alb_security_group_admits_80_from_anywhere(self, core: CoreRound, live: Live) -> None:
        assert ingress_from_anywhere(live.security_groups[core.outputs["AlbSecurityGroup"]], 80)

    def test_task_security_group_admits_the_alb_only(self, core: CoreRound, live: Live) -> None:
        rules = live.security_groups[core.outputs["TaskSecurityGroup"]]["IpPermissions"]
        assert all(not p.get("IpRanges") and not p.get("Ipv6Ranges") for p in rules)
        assert ([g["GroupId"] for p in rules for g in p.get("UserIdGroupPairs", [])]
                == [core.outputs["AlbSecurityGroup"]])

    @pytest.mark.parametrize("port", SERVICE_PORTS)
    def test_run_security_group_admits_each_service_port(self, core: CoreRound, live: Live,
                                                         port: int) -> None:
        assert ingress_from_anywhere(live.security_groups[core.outputs["RunSecurityGroup"]], port)

    def test_alb_named_after_the_lab(self, live: Live) -> None:
        assert live.load_balancer["LoadBalancerName"] == f"{LAB}-alb"

    def test_alb_internet_facing(self, live: Live) -> None:
        assert live.load_balancer["Scheme"] == "internet-facing"

    def test_alb_in_the_public_subnets(self, core: CoreRound, live: Live) -> None:
        assert (sorted(z["SubnetId"] for z in live.load_balancer["AvailabilityZones"])
                == sorted(core.outputs["PublicSubnets"].split(",")))

    def test_target_group_name_within_32_characters(self, live: Live) -> None:
        assert len(live.target_group["TargetGroupName"]) <= 32

    def test_target_group_ip_http_80(self, live: Live) -> None:
        tg = live.target_group
        assert (tg["TargetType"], tg["Protocol"], tg["Port"]) == ("ip", "HTTP", 80)

    def test_health_check_path(self, live: Live) -> None:
        assert live.target_group["HealthCheckPath"] == "/"

    def test_health_check_interval_5_to_10_s(self, live: Live) -> None:
        assert 5 <= live.target_group["HealthCheckIntervalSeconds"] <= 10

    def test_healthy_threshold_2(self, live: Live) -> None:
        assert live.target_group["HealthyThresholdCount"] == 2

    def test_template_declares_short_deregistration_delay(self, template: dict[str, Any]) -> None:
        declared = {a["Key"]: a["Value"] for a in
                    template["Resources"]["DefaultTargetGroup"]["Properties"].get("TargetGroupAttributes", [])}
        value = declared.get("deregistration_delay.timeout_seconds", "300")
        if isinstance(value, dict):  # a parameter's default, as `up` passes it for the example
            value = template["Parameters"][value["!Ref"]]["Default"]
        assert int(value) <= 30

    def test_deregistration_delay_applied(self, live: Live) -> None:
        assert int(live.target_group_attributes.get("deregistration_delay.timeout_seconds", "300")) <= 30

    def test_listener_http_80(self, live: Live) -> None:
        assert (live.listener["Port"], live.listener["Protocol"]) == (80, "HTTP")

    def test_listener_forwards_to_the_default_target_group(self, core: CoreRound, live: Live) -> None:
        assert ([(a["Type"], a.get("TargetGroupArn")) for a in live.listener["DefaultActions"]]
                == [("forward", core.outputs["DefaultTargetGroupArn"])])

    def test_cluster_active(self, core: CoreRound, live: Live) -> None:
        assert live.cluster["status"] == "ACTIVE"
        assert live.cluster["clusterName"] == core.outputs["ClusterName"]

    def test_execution_role_has_the_task_execution_policy(self, template: dict[str, Any],
                                                           live: Live) -> None:
        managed = template["Resources"]["ExecutionRole"]["Properties"].get("ManagedPolicyArns", [])
        assert any("AmazonECSTaskExecutionRolePolicy" in str(m) for m in managed)
        if "AmazonECSTaskExecutionRolePolicy" not in live.execution_role_policies:
            warnings.warn(MotoGap("template declares execution role ManagedPolicyArns: "
                                  "AmazonECSTaskExecutionRolePolicy, moto does not apply it"))

    def test_task_role_covers_the_table_its_indexes_and_the_clicks_stream_only(
            self, core: CoreRound, live: Live) -> None:
        resources = {r for st in live.task_role_statements
                     for r in (st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]])}
        stream = (f"arn:aws:firehose:{REGION}:123456789012:deliverystream/"
                  f"{core.outputs['ClicksStream']}")
        assert resources == {core.outputs["TableArn"], core.outputs["TableArn"] + "/index/*", stream}

    def test_task_role_actions_explicit(self, live: Live) -> None:
        actions = {a for st in live.task_role_statements
                   for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])}
        assert "dynamodb:Query" in actions
        assert not [a for a in actions if "*" in a]

    def test_log_group_named_after_the_lab(self, core: CoreRound) -> None:
        assert core.outputs["LogGroupName"] == f"/mysfits/{LAB}"

    def test_log_group_has_a_retention(self, live: Live) -> None:
        assert len(live.log_groups) == 1
        assert live.log_groups[0].get("retentionInDays") is not None

    def test_table_hash_key(self, live: Live) -> None:
        assert live.table["KeySchema"] == [{"AttributeName": "MysfitId", "KeyType": "HASH"}]

    def test_table_on_demand(self, live: Live) -> None:
        assert live.table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST"

    def test_table_indexes(self, live: Live) -> None:
        assert ({g["IndexName"] for g in live.table.get("GlobalSecondaryIndexes", [])}
                == {"LawChaosIndex", "GoodEvilIndex"})

    @pytest.mark.parametrize("service", SERVICE_NAMES)
    def test_repository_matches_its_output(self, core: CoreRound, live: Live, service: str) -> None:
        repository = live.repositories.get(f"{LAB}/{service}")
        assert repository is not None
        assert repository["repositoryUri"] == core.outputs[f"RepoUri{logical_id(service)}"]

    def test_website_bucket_serves_its_index_document(self, live: Live) -> None:
        assert live.website == {"Suffix": "index.html"}  # cfn_s3_bucket_website.py

    def test_website_url_is_the_buckets_website_endpoint(self, core: CoreRound) -> None:
        url = core.outputs["WebsiteUrl"]
        assert url.startswith(f"http://{core.outputs['WebsiteBucket']}.s3-website"), url

    def test_website_bucket_policy_lets_anyone_read_objects_only(self, core: CoreRound,
                                                                  live: Live) -> None:
        assert isinstance(live.bucket_policy, dict), live.bucket_policy  # cfn_s3_bucket_policy.py
        [statement] = live.bucket_policy["Statement"]
        assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
            "Allow", "*", "s3:GetObject")
        assert statement["Resource"] == f"arn:aws:s3:::{core.outputs['WebsiteBucket']}/*"

    def test_website_bucket_blocks_acls_but_not_its_policy(self, live: Live) -> None:
        assert live.public_access_block == {
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": False, "RestrictPublicBuckets": False,
        }

    def test_website_bucket_objects_owned_by_the_bucket(self, live: Live) -> None:
        assert live.ownership_rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]

    def test_delete_complete(self, core: CoreRound) -> None:
        assert core.delete_status == "DELETE_COMPLETE"

    def test_nothing_left_after_delete(self, core: CoreRound) -> None:
        assert not core.leftovers


# ---------------------------------------------------------------- ECS UpdateService rollout

Deployment = tuple[str, str, str | None]


def deployments(service: dict[str, Any]) -> list[Deployment]:
    return [(d["status"], d["taskDefinition"], d.get("rolloutState")) for d in service["deployments"]]


@dataclass
class Rollout:
    """A service on the core stack through update, forced update and scale to 0."""

    td1: str
    td2: str
    created: dict[str, Any]
    updated: dict[str, Any]
    after_update: dict[str, Any]
    forced: dict[str, Any]
    after_forced: dict[str, Any]
    scaled: dict[str, Any]
    # A service created with no task (as `up` makes the default one), then deployed.
    idle: dict[str, Any]
    idle_deployed: dict[str, Any]
    delete_status: str
    leftovers: list[str]
    # The default target group's targets after each step: (id, port, state).
    targets: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    subnet: str = ""


@pytest.fixture(scope="module")
def rollout(moto: Launcher, body: str) -> Rollout:
    moto_api(moto.endpoint, "reset")
    c = moto.clients
    ecs = c["ecs"]
    stack_id, o = create_lab_stack(c, body)
    cluster, name = o["ClusterName"], "monolith-service"
    family = f"{LAB}-{name}"

    def describe() -> dict[str, Any]:
        return ecs.describe_services(cluster=cluster, services=[name])["services"][0]

    targets: dict[str, list[tuple[str, int, str]]] = {}

    def look(step: str) -> None:
        health = c["elbv2"].describe_target_health(TargetGroupArn=o["DefaultTargetGroupArn"])
        targets[step] = [(t["Target"]["Id"], t["Target"]["Port"], t["TargetHealth"]["State"])
                         for t in health["TargetHealthDescriptions"]]

    td1 = register_task_definition(c, o, name, family, 256, "v1", task_role=True)
    td2 = register_task_definition(c, o, name, family, 256, "nolike", task_role=True)
    ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=td1, desiredCount=1, launchType="FARGATE",
        networkConfiguration=public_network(o),
        loadBalancers=[{"targetGroupArn": o["DefaultTargetGroupArn"], "containerName": name, "containerPort": 80}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    created = describe()
    look("created")
    # family:revision, as a user may pass it; the service reports the full ARN.
    updated = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
    after_update = describe()
    look("updated")
    forced = ecs.update_service(cluster=cluster, service=name, forceNewDeployment=True)["service"]
    after_forced = describe()
    scaled = ecs.update_service(cluster=cluster, service=name, desiredCount=0)["service"]
    look("scaled to 0")
    ecs.delete_service(cluster=cluster, service=name)
    look("deleted")
    subnet = public_network(o)["awsvpcConfiguration"]["subnets"][0]
    cidr = c["ec2"].describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"]
    ecs.create_service(cluster=cluster, serviceName="idle", taskDefinition=td1, desiredCount=0,
                       launchType="FARGATE", networkConfiguration=public_network(o))
    idle = ecs.describe_services(cluster=cluster, services=["idle"])["services"][0]
    ecs.update_service(cluster=cluster, service="idle", taskDefinition=td2, desiredCount=1)
    idle_deployed = ecs.describe_services(cluster=cluster, services=["idle"])["services"][0]
    ecs.delete_service(cluster=cluster, service="idle", force=True)
    delete_status = delete_stack(c, stack_id)
    return Rollout(td1, td2, created, updated, after_update, forced, after_forced, scaled,
                   idle, idle_deployed, delete_status, leftovers(c, o["VpcId"]), targets, cidr)


class TestRollout:
    def test_new_service_completed_on_its_task_definition(self, rollout: Rollout) -> None:
        assert deployments(rollout.created) == [("PRIMARY", rollout.td1, "COMPLETED")]

    def test_update_names_the_new_full_arn(self, rollout: Rollout) -> None:
        assert rollout.updated["taskDefinition"] == rollout.td2

    def test_update_starts_primary_and_keeps_the_old_active(self, rollout: Rollout) -> None:
        assert deployments(rollout.updated) == [("PRIMARY", rollout.td2, "IN_PROGRESS"),
                                                ("ACTIVE", rollout.td1, "COMPLETED")]

    def test_next_describe_completes_and_drops_the_old(self, rollout: Rollout) -> None:
        assert deployments(rollout.after_update) == [("PRIMARY", rollout.td2, "COMPLETED")]

    def test_one_task_running_after_the_rollout(self, rollout: Rollout) -> None:
        assert rollout.after_update["runningCount"] == 1
        assert rollout.after_update["deployments"][0]["runningCount"] == 1

    def test_force_new_deployment_starts_a_new_primary(self, rollout: Rollout) -> None:
        assert [d[0] for d in deployments(rollout.forced)] == ["PRIMARY", "ACTIVE"]
        assert rollout.forced["deployments"][0]["id"] != rollout.after_update["deployments"][0]["id"]

    def test_forced_rollout_completes(self, rollout: Rollout) -> None:
        assert deployments(rollout.after_forced) == [("PRIMARY", rollout.td2, "COMPLETED")]

    def test_scaling_changes_the_primary_and_starts_none(self, rollout: Rollout) -> None:
        assert len(rollout.scaled["deployments"]) == 1
        assert rollout.scaled["deployments"][0]["desiredCount"] == 0

    def test_a_service_of_no_task_runs_none_and_is_completed(self, rollout: Rollout) -> None:
        assert (rollout.idle["runningCount"], rollout.idle["pendingCount"]) == (0, 0)
        assert deployments(rollout.idle) == [("PRIMARY", rollout.td1, "COMPLETED")]
        assert rollout.idle["deployments"][0]["runningCount"] == 0

    def test_its_first_deploy_runs_the_count_it_sets(self, rollout: Rollout) -> None:
        assert deployments(rollout.idle_deployed) == [("PRIMARY", rollout.td2, "COMPLETED")]
        assert rollout.idle_deployed["runningCount"] == 1

    def test_running_task_registered_in_the_target_group(self, rollout: Rollout) -> None:
        # ECS registers a running task by its private IP, on the container port.
        [(ip, port, state)] = rollout.targets["created"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(rollout.subnet)
        assert (port, state) == (80, "healthy")
        assert rollout.targets["updated"] == rollout.targets["created"]

    def test_tasks_deregistered_when_scaled_to_0_and_deleted(self, rollout: Rollout) -> None:
        assert rollout.targets["scaled to 0"] == []
        assert rollout.targets["deleted"] == []

    def test_stack_deleted_after_the_service(self, rollout: Rollout) -> None:
        assert rollout.delete_status == "DELETE_COMPLETE"

    def test_nothing_left(self, rollout: Rollout) -> None:
        assert not rollout.leftovers


# ---------------------------------------------------------------- ECS service settings

Settings = tuple[dict[str, Any] | None, int | None]
BREAKER_ON = {"enable": True, "rollback": True}
BREAKER_OFF = {"enable": False, "rollback": False}


def settings(service: dict[str, Any]) -> Settings:
    return service.get("deploymentConfiguration"), service.get("healthCheckGracePeriodSeconds")


def deployment_configuration(breaker: dict[str, bool], maximum: int, minimum: int) -> dict[str, Any]:
    return {"deploymentCircuitBreaker": breaker, "maximumPercent": maximum, "minimumHealthyPercent": minimum}


@dataclass
class ServiceSettings:
    """Two services' deploymentConfiguration and grace period through a series of updates."""

    created: Settings
    described: Settings
    max_updated: Settings
    max_described: Settings
    grace_updated: Settings
    breaker_updated: Settings
    count_updated: Settings
    default_created: Settings
    default_described: Settings
    first_grace_after_second: int | None
    delete_status: str
    leftovers: list[str]


@pytest.fixture(scope="module")
def service_settings(moto: Launcher, body: str) -> ServiceSettings:
    moto_api(moto.endpoint, "reset")
    c = moto.clients
    ecs = c["ecs"]
    stack_id, o = create_lab_stack(c, body)
    cluster = o["ClusterName"]

    def described(name: str) -> Settings:
        return settings(ecs.describe_services(cluster=cluster, services=[name])["services"][0])

    def create(name: str, **given: Any) -> Settings:
        return settings(ecs.create_service(
            cluster=cluster, serviceName=name, desiredCount=1, launchType="FARGATE",
            taskDefinition=register_task_definition(c, o, name, f"{LAB}-{name}", 256),
            networkConfiguration=public_network(o), **given,
        )["service"])

    first, second = "monolith-service", "like-service"
    created = create(
        first,
        loadBalancers=[{"targetGroupArn": o["DefaultTargetGroupArn"], "containerName": first,
                        "containerPort": 80}],
        healthCheckGracePeriodSeconds=30,
        deploymentConfiguration={"deploymentCircuitBreaker": BREAKER_ON},
    )
    first_described = described(first)
    max_updated = settings(ecs.update_service(cluster=cluster, service=first,
                                              deploymentConfiguration={"maximumPercent": 150})["service"])
    max_described = described(first)
    ecs.update_service(cluster=cluster, service=first, healthCheckGracePeriodSeconds=60)
    grace_updated = described(first)
    ecs.update_service(cluster=cluster, service=first, deploymentConfiguration={
        "deploymentCircuitBreaker": BREAKER_OFF, "minimumHealthyPercent": 50})
    breaker_updated = described(first)
    ecs.update_service(cluster=cluster, service=first, desiredCount=0)
    count_updated = described(first)
    default_created = create(second)
    default_described = described(second)
    first_grace = described(first)[1]

    ecs.update_service(cluster=cluster, service=second, desiredCount=0)
    for name in (first, second):
        ecs.delete_service(cluster=cluster, service=name)
    delete_status = delete_stack(c, stack_id)
    return ServiceSettings(created, first_described, max_updated, max_described, grace_updated,
                           breaker_updated, count_updated, default_created, default_described,
                           first_grace, delete_status, leftovers(c, o["VpcId"]))


class TestServiceSettings:
    def test_create_returns_breaker_default_percents_and_grace(self, service_settings: ServiceSettings) -> None:
        assert service_settings.created == (deployment_configuration(BREAKER_ON, 200, 100), 30)

    def test_describe_returns_them(self, service_settings: ServiceSettings) -> None:
        assert service_settings.described == (deployment_configuration(BREAKER_ON, 200, 100), 30)

    def test_update_of_maximum_keeps_breaker_minimum_and_grace(self, service_settings: ServiceSettings) -> None:
        want = (deployment_configuration(BREAKER_ON, 150, 100), 30)
        assert (service_settings.max_updated, service_settings.max_described) == (want, want)

    def test_update_of_grace_only(self, service_settings: ServiceSettings) -> None:
        assert service_settings.grace_updated == (deployment_configuration(BREAKER_ON, 150, 100), 60)

    def test_update_of_breaker_and_minimum(self, service_settings: ServiceSettings) -> None:
        assert service_settings.breaker_updated == (deployment_configuration(BREAKER_OFF, 150, 50), 60)

    def test_desired_count_update_leaves_them(self, service_settings: ServiceSettings) -> None:
        assert service_settings.count_updated == (deployment_configuration(BREAKER_OFF, 150, 50), 60)

    def test_aws_defaults_when_not_given(self, service_settings: ServiceSettings) -> None:
        want = (deployment_configuration(BREAKER_OFF, 200, 100), None)
        assert (service_settings.default_created, service_settings.default_described) == (want, want)

    def test_services_do_not_share_settings(self, service_settings: ServiceSettings) -> None:
        assert service_settings.first_grace_after_second == 60

    def test_stack_deleted(self, service_settings: ServiceSettings) -> None:
        assert service_settings.delete_status == "DELETE_COMPLETE"

    def test_nothing_left(self, service_settings: ServiceSettings) -> None:
        assert not service_settings.leftovers


# ---------------------------------------------------------------- target group updates

HEALTH_PARAMETERS = {"DefaultHealthCheckPath": "/health", "DefaultHealthCheckIntervalSeconds": "5",
                     "DefaultHealthCheckTimeoutSeconds": "2", "DefaultHealthyThresholdCount": "3",
                     "DefaultUnhealthyThresholdCount": "2", "DefaultDrainingSeconds": "4"}


@dataclass
class TargetGroupUpdate:
    """The default target group before and after a stack update of its parameters."""

    arn_before: str
    before: dict[str, Any]
    update_status: str
    arn_after: str
    after: dict[str, Any]
    draining_after: str | None
    listener_target: str
    delete_status: str
    leftovers: list[str]


def health_of(group: dict[str, Any]) -> dict[str, Any]:
    keys = ["HealthCheckPath", "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds",
            "HealthyThresholdCount", "UnhealthyThresholdCount"]
    return {k: group.get(k) for k in keys}


@pytest.fixture(scope="module")
def target_group_update(moto: Launcher, body: str) -> TargetGroupUpdate:
    moto_api(moto.endpoint, "reset")
    c = moto.clients
    elbv2, cfn = c["elbv2"], c["cloudformation"]
    stack_id, o = create_lab_stack(c, body)

    def group(arn: str) -> dict[str, Any]:
        return elbv2.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]

    before = health_of(group(o["DefaultTargetGroupArn"]))
    cfn.update_stack(StackName=stack_id, TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v}
                                 for k, v in {"LabName": LAB, **HEALTH_PARAMETERS}.items()])
    status = wait_stack(cfn, stack_id)
    after_outputs = outputs_of(c, stack_id)
    arn = after_outputs.get("DefaultTargetGroupArn", "")
    after = health_of(group(arn)) if arn else {}
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(
        TargetGroupArn=arn)["Attributes"]} if arn else {}
    listener = elbv2.describe_listeners(ListenerArns=[o["ListenerArn"]])["Listeners"][0]
    delete_status = delete_stack(c, stack_id)
    return TargetGroupUpdate(o["DefaultTargetGroupArn"], before, status, arn, after,
                             attributes.get("deregistration_delay.timeout_seconds"),
                             listener["DefaultActions"][0].get("TargetGroupArn", ""),
                             delete_status, leftovers(c, o["VpcId"]))


class TestTargetGroupUpdate:
    def test_created_with_the_template_defaults(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.before == {
            "HealthCheckPath": "/", "HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 5,
            "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3}

    def test_update_complete(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.update_status == "UPDATE_COMPLETE"

    def test_same_target_group_in_place(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.arn_after == target_group_update.arn_before

    def test_health_check_follows_the_parameters(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.after == {
            "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 5,
            "HealthCheckTimeoutSeconds": 2, "HealthyThresholdCount": 3, "UnhealthyThresholdCount": 2}

    def test_draining_follows_its_parameter(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.draining_after == "4"

    def test_listener_still_forwards_to_it(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.listener_target == target_group_update.arn_before

    def test_stack_deleted(self, target_group_update: TargetGroupUpdate) -> None:
        assert target_group_update.delete_status == "DELETE_COMPLETE"

    def test_nothing_left(self, target_group_update: TargetGroupUpdate) -> None:
        assert not target_group_update.leftovers


# ---------------------------------------------------------------- Fargate RunTask


@dataclass
class Stopped:
    """A task after StopTask, as DescribeTasks and EC2 then show it."""

    desired_status: str | None
    seen: list[str]
    after: str
    attachment_statuses: list[str | None]
    eni_gone: bool


@dataclass
class RunTask:
    """`mysfits run`'s calls on the stack: a task with a public IP, then one without."""

    public_ip: str | None
    public_subnets: list[str]
    vpc_id: str
    vpc_dns: dict[str, bool]
    enabled: dict[str, Any]
    first_status: str | None
    held: list[str]
    eni_attachments: int
    details: dict[str, Any]
    eni: dict[str, Any] | None
    get: tuple[int, bytes] | None
    stopped: Stopped
    holders: list[str]
    disabled: dict[str, Any]
    disabled_eni_attachments: int
    disabled_eni: dict[str, Any] | None
    disabled_stopped: Stopped
    delete_status: str
    leftovers: list[str]
    launcher_exit: int = -1


def serve_once_on_loopback() -> http.server.ThreadingHTTPServer:
    """A tiny HTTP server on 127.0.0.1 standing in for the task's container port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            text = b"mysfits task stand-in\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_tasks(moto: Launcher, body: str, public_ip: str | None) -> RunTask:
    """On a fresh stack: RunTask with and without a public IP, each stopped again."""
    c = moto.clients
    ecs, ec2 = c["ecs"], c["ec2"]
    stack_id, o = create_lab_stack(c, body)
    cluster, vpc_id = o["ClusterName"], o["VpcId"]
    public = o["PublicSubnets"].split(",")
    vpc_dns = {
        key: ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"]
        for attr, key in (("enableDnsSupport", "EnableDnsSupport"), ("enableDnsHostnames", "EnableDnsHostnames"))
    }
    td = register_task_definition(c, o, "monolith-service", f"{LAB}-run", 512)
    # A harness that unsets its own transition must get the launcher's default back
    # (RUNNING until stopped), not moto's one state per describe.
    moto_api(moto.endpoint, "state-manager/unset-transition", {"model_name": TASK_MODEL})

    def run(assign: str) -> dict[str, Any]:
        network = {"awsvpcConfiguration": {
            "subnets": public, "securityGroups": [o["TaskSecurityGroup"]], "assignPublicIp": assign}}
        return ecs.run_task(cluster=cluster, taskDefinition=td, launchType="FARGATE", count=1,
                            networkConfiguration=network)

    def describe(arn: str) -> dict[str, Any]:
        return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]

    def eni_attachments(task: dict[str, Any]) -> list[dict[str, Any]]:
        return [a for a in task.get("attachments", []) if a.get("type") == "ElasticNetworkInterface"]

    def details_of(task: dict[str, Any]) -> dict[str, Any]:
        enis = eni_attachments(task)
        return {d["name"]: d.get("value") for d in (enis[0]["details"] if enis else [])}

    def network_interface(eni_id: str) -> dict[str, Any] | None:
        if not eni_id:
            return None
        return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]

    def eni_gone(eni_id: str) -> bool:
        try:
            ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
        except ec2.exceptions.ClientError as exc:
            return exc.response["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"
        return False

    def stop(arn: str, eni_id: str) -> Stopped:
        desired = ecs.stop_task(cluster=cluster, task=arn, reason="check done")["task"].get("desiredStatus")
        seen: list[str] = []
        for _ in range(5):
            seen.append(describe(arn)["lastStatus"])
            if seen[-1] == "STOPPED":
                break
        after = describe(arn)
        return Stopped(desired, seen, after["lastStatus"],
                       [a.get("status") for a in eni_attachments(after)],
                       bool(eni_id) and eni_gone(eni_id))

    # assignPublicIp ENABLED: what `mysfits run` does.
    enabled = run("ENABLED")
    task_arn = enabled["tasks"][0]["taskArn"]
    task: dict[str, Any] = {}
    for _ in range(20):
        task = describe(task_arn)
        if task["lastStatus"] == "RUNNING":
            break
        time.sleep(0.1)
    held = [describe(task_arn)["lastStatus"] for _ in range(5)]
    details = details_of(task)
    eni_id = details.get("networkInterfaceId") or ""
    eni = network_interface(eni_id)
    address = ((eni or {}).get("Association") or {}).get("PublicIp") or ""
    if eni is not None:
        subnet = ec2.describe_subnets(SubnetIds=[details.get("subnetId") or eni["SubnetId"]])["Subnets"][0]
        private_ip = details.get("privateIPv4Address") or ""
        try:
            inside = ipaddress.IPv4Address(private_ip) in ipaddress.IPv4Network(subnet["CidrBlock"])
        except ValueError:
            inside = True  # not an address at all: a failure of its own test
        if not inside:
            warnings.warn(MotoGap("RunTask: the task's private IP is not from its subnet's CIDR block"))
    get = None
    if address and ipaddress.IPv4Address(address).is_loopback:
        # What `mysfits run` does next: GET / on the public IP. Only ever on loopback.
        server = serve_once_on_loopback()
        try:
            with LOCAL.open(f"http://{address}:{server.server_address[1]}/", timeout=5) as response:
                get = (response.status, response.read())
        finally:
            server.shutdown()
            server.server_close()
    stopped = stop(task_arn, eni_id)
    holders = [e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces()["NetworkInterfaces"]
               if address and (e.get("Association") or {}).get("PublicIp") == address]

    # assignPublicIp DISABLED: no public address.
    disabled = run("DISABLED")
    other = describe(disabled["tasks"][0]["taskArn"])
    other_eni_id = details_of(other).get("networkInterfaceId") or ""
    disabled_eni = network_interface(other_eni_id)
    disabled_stopped = stop(other["taskArn"], other_eni_id)

    delete_status = delete_stack(c, stack_id)
    return RunTask(public_ip, public, vpc_id, vpc_dns, enabled, task.get("lastStatus"), held,
                   len(eni_attachments(task)), details, eni, get, stopped, holders, disabled,
                   len(eni_attachments(other)), disabled_eni, disabled_stopped, delete_status,
                   leftovers(c, vpc_id))


def run_tasks_on_own_launcher(body: str, public_ip: str | None) -> RunTask:
    """On a launcher of its own, started with ``public_ip`` as MYSFITS_MOTO_PUBLIC_IP."""
    launcher = Launcher(public_ip)
    try:
        result = run_tasks(launcher, body, public_ip)
    finally:
        code = launcher.stop()
    result.launcher_exit = code
    return result


@pytest.fixture(scope="module")
def run_task_random(body: str) -> RunTask:
    return run_tasks_on_own_launcher(body, None)


@pytest.fixture(scope="module")
def run_task_loopback(body: str) -> RunTask:
    return run_tasks_on_own_launcher(body, LOOPBACK)


@pytest.fixture(params=["run_task_random", "run_task_loopback"],
                ids=["random public IP", f"{PUBLIC_IP_ENV}={LOOPBACK}"])
def run_task(request: pytest.FixtureRequest) -> RunTask:
    return request.getfixturevalue(request.param)


def association(run: RunTask) -> dict[str, Any]:
    """EC2's Association of the task run with assignPublicIp ENABLED."""
    return (run.eni or {}).get("Association") or {}


def stopped_with(run: RunTask, assign: str) -> Stopped:
    return run.stopped if assign == "ENABLED" else run.disabled_stopped


class TestRunTask:
    @pytest.mark.parametrize("key", ["EnableDnsSupport", "EnableDnsHostnames"])
    def test_stack_vpc_dns_on(self, run_task: RunTask, key: str) -> None:
        assert run_task.vpc_dns[key] is True

    def test_run_task_with_public_ip_starts_one_task(self, run_task: RunTask) -> None:
        assert not run_task.enabled["failures"]
        assert len(run_task.enabled["tasks"]) == 1

    def test_task_running(self, run_task: RunTask) -> None:
        assert run_task.first_status == "RUNNING"

    def test_task_stays_running_over_5_describes(self, run_task: RunTask) -> None:
        assert run_task.held == ["RUNNING"] * 5

    def test_one_network_interface_attachment(self, run_task: RunTask) -> None:
        assert run_task.eni_attachments == 1

    def test_attachment_names_the_interface(self, run_task: RunTask) -> None:
        assert (run_task.details.get("networkInterfaceId") or "").startswith("eni-")

    def test_attachment_private_ip_is_ipv4(self, run_task: RunTask) -> None:
        address = ipaddress.ip_address(run_task.details.get("privateIPv4Address") or "")
        assert isinstance(address, ipaddress.IPv4Address)

    def test_attachment_in_a_public_subnet(self, run_task: RunTask) -> None:
        assert run_task.details.get("subnetId") in run_task.public_subnets

    def test_attachment_has_a_private_dns_name(self, run_task: RunTask) -> None:
        assert run_task.details.get("privateDnsName")

    def test_interface_matches_the_attachment_in_the_stack_vpc(self, run_task: RunTask) -> None:
        assert run_task.eni is not None
        assert run_task.eni.get("PrivateIpAddress") == run_task.details.get("privateIPv4Address")
        assert run_task.eni.get("VpcId") == run_task.vpc_id

    def test_public_ip_is_a_public_address(self, run_task_random: RunTask) -> None:
        """Never contacted: only its kind is checked."""
        ip = ipaddress.IPv4Address(association(run_task_random).get("PublicIp") or "")
        assert ip.is_global and not ip.is_private and not ip.is_loopback

    def test_public_ip_is_the_launchers_stand_in(self, run_task_loopback: RunTask) -> None:
        assert association(run_task_loopback).get("PublicIp") == LOOPBACK

    def test_public_ip_owned_by_amazon(self, run_task: RunTask) -> None:
        assert association(run_task).get("IpOwnerId") == "amazon"

    def test_public_dns_name(self, run_task: RunTask) -> None:
        dashed = (association(run_task).get("PublicIp") or "").replace(".", "-")
        assert association(run_task).get("PublicDnsName") == f"ec2-{dashed}.compute-1.amazonaws.com"

    def test_primary_private_address_carries_the_association(self, run_task: RunTask) -> None:
        primary = [p for p in (run_task.eni or {}).get("PrivateIpAddresses", []) if p.get("Primary")]
        assert len(primary) == 1
        assert (primary[0].get("Association") or {}).get("PublicIp") == association(run_task).get("PublicIp")

    def test_get_on_the_public_ip_reaches_the_loopback_server(self, run_task_loopback: RunTask) -> None:
        assert run_task_loopback.get == (200, b"mysfits task stand-in\n")

    @pytest.mark.parametrize("assign", ["ENABLED", "DISABLED"])
    def test_stop_task_desired_stopped(self, run_task: RunTask, assign: str) -> None:
        assert stopped_with(run_task, assign).desired_status == "STOPPED"

    @pytest.mark.parametrize("assign", ["ENABLED", "DISABLED"])
    def test_stopped_within_5_describes_and_stays(self, run_task: RunTask, assign: str) -> None:
        stopped = stopped_with(run_task, assign)
        assert stopped.seen[-1:] == ["STOPPED"]
        assert stopped.after == "STOPPED"

    @pytest.mark.parametrize("assign", ["ENABLED", "DISABLED"])
    def test_stopped_task_attachment_deleted(self, run_task: RunTask, assign: str) -> None:
        assert stopped_with(run_task, assign).attachment_statuses == ["DELETED"]

    @pytest.mark.parametrize("assign", ["ENABLED", "DISABLED"])
    def test_interface_deleted_with_the_task(self, run_task: RunTask, assign: str) -> None:
        assert stopped_with(run_task, assign).eni_gone

    def test_public_ip_released_with_the_interface(self, run_task: RunTask) -> None:
        assert association(run_task).get("PublicIp")
        assert not run_task.holders

    def test_run_task_without_public_ip_starts_one_task(self, run_task: RunTask) -> None:
        assert not run_task.disabled["failures"]
        assert len(run_task.disabled["tasks"]) == 1
        assert run_task.disabled_eni_attachments == 1

    def test_no_association_without_public_ip(self, run_task: RunTask) -> None:
        assert run_task.disabled_eni is not None
        assert not run_task.disabled_eni.get("Association")

    def test_stack_deleted(self, run_task: RunTask) -> None:
        assert run_task.delete_status == "DELETE_COMPLETE"

    def test_nothing_left(self, run_task: RunTask) -> None:
        assert not run_task.leftovers

    def test_launcher_exits_0_when_its_stdin_closes(self, run_task: RunTask) -> None:
        assert run_task.launcher_exit == 0


def test_launcher_refuses_a_public_ip_that_is_not_loopback() -> None:
    """The stand-in address is only ever loopback: anything else stops the launcher
    before it serves (the address is never contacted)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "launch.py"), "--port", "0"], input="",
        env=dict(os.environ, **{PUBLIC_IP_ENV: "192.0.2.10"}),
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "MOTO_PORT=" not in done.stdout
