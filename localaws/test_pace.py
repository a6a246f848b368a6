"""The pace model (``python -m localaws --pace aws``): the timeline it computes, and the
real engine, at a small ``--pace-scale``, answering by it: a stack with a load balancer
CREATE_IN_PROGRESS then CREATE_COMPLETE in the modeled order and time, the load
balancer's port refusing connections until it is active, DELETE_IN_PROGRESS then gone,
a task's PROVISIONING and PENDING phases, CloudWatch datapoints hidden until their
delay; and the engine without ``--pace`` as instant as before.

Run: .venv/bin/python -m pytest localaws/test_pace.py -q   (~35 s; podman and the registry, as the engine)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from localaws import pace_tasks, pace_timeline, podman, preflight
from localaws.pace import FIGURES, Pace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
SCALE = 0.04  # AWS's 4.5 min for a load balancer: 10.8 s here
ALB = "AWS::ElasticLoadBalancingV2::LoadBalancer"


def template() -> dict[str, Any]:
    """A VPC, two subnets, a security group, a load balancer, a target group and a
    listener answering 200 itself."""
    def subnet(cidr: str, zone: str) -> dict[str, Any]:
        return {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr, "AvailabilityZone": zone}}

    return {"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "SubnetA": subnet("10.0.1.0/24", f"{REGION}a"),
        "SubnetB": subnet("10.0.2.0/24", f"{REGION}b"),
        "AlbSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "alb", "VpcId": {"Ref": "Vpc"}}},
        "Alb": {"Type": ALB, "Properties": {
            "Subnets": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}],
            "SecurityGroups": [{"Fn::GetAtt": ["AlbSecurityGroup", "GroupId"]}]}},
        "Group": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
            "Port": 80, "Protocol": "HTTP", "TargetType": "ip", "VpcId": {"Ref": "Vpc"}}},
        "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "Alb"}, "Port": 80, "Protocol": "HTTP",
            "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "ok"}}]}},
    }, "Outputs": {"Url": {"Value": {"Fn::Sub": "http://${Alb.DNSName}"}}}}


# ---------------------------------------------------------------- the timeline alone

def test_the_timeline_follows_the_dependencies_and_the_figures() -> None:
    pace = Pace(scale=1.0)

    def total(verb: str, cfn_type: str) -> float:
        return pace.cfn(verb, cfn_type)

    def configure(verb: str, cfn_type: str) -> float:
        return pace.seconds("cfn:configure") if verb == "create" else total(verb, cfn_type)

    steps = pace_timeline.create_steps(template()["Resources"], total, configure)
    base, alb = FIGURES["cfn:default"].seconds, FIGURES[f"cfn:create:{ALB}"].seconds
    at = {lid: (s.start, s.configured, s.end) for lid, s in steps.items()}
    assert at["Vpc"] == (0, base, base)
    assert at["SubnetA"] == at["SubnetB"] == at["AlbSecurityGroup"] == at["Group"] == (base, 2 * base, 2 * base)
    # The load balancer starts once its subnets and group are configured; its listener
    # at its CONFIGURATION_COMPLETE, long before it is active (optimistic stabilization).
    assert at["Alb"] == (2 * base, 3 * base, 2 * base + alb)
    assert at["Listener"] == (3 * base, 4 * base, 4 * base)

    gone = pace_timeline.delete_steps(template()["Resources"], total)
    order = sorted(gone, key=lambda lid: gone[lid].start)
    assert order[0] == "Listener" and order[-1] == "Vpc"
    assert gone["Alb"].start == gone["Listener"].end and gone["Vpc"].start == 3 * base

    old = template()["Resources"]
    new = {k: v for k, v in old.items() if k != "Listener"}
    new["Group"] = {**old["Group"], "Properties": {**old["Group"]["Properties"], "Port": 8080}}
    changed, cleanup = pace_timeline.update_steps(old, new, ["Group"], total, configure)
    assert sorted(changed) == ["Group", "Listener"] and changed["Group"].verb == "UPDATE"
    assert changed["Listener"].verb == "DELETE" and changed["Listener"].start == cleanup == base


# ---------------------------------------------------------------- the engine

def podman_env() -> dict[str, str]:
    """podman as the engine runs it (scripts/podman-env.sh), and the check's image."""
    out = subprocess.run(["bash", "-c", "source scripts/podman-env.sh && env -0"], cwd=ROOT,
                         capture_output=True, check=True).stdout.decode()
    wanted = ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION")
    env = {}
    for pair in out.split("\0"):
        key, _, value = pair.partition("=")
        if key in wanted:
            env[key] = value
    return env


class Engine:
    """``python -m localaws`` as a subprocess, stopped by closing its stdin."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.state = tempfile.mkdtemp(prefix="localaws-pace.")
        self.proc = subprocess.Popen([sys.executable, "-m", "localaws", "--state-dir", self.state, *args],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        assert self.proc.stdout is not None
        lines = dict(self.proc.stdout.readline().strip().split("=", 1) for _ in range(3))
        self.endpoint = f"http://127.0.0.1:{lines['MOTO_PORT']}"
        self.registry = f"127.0.0.1:{lines['REGISTRY_PORT']}"
        self.engine_id = lines["ENGINE_ID"]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def stop(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        # It stops and removes its containers and untags its images: podman on a busy
        # machine (a whole test run) can take a while.
        code = self.proc.wait(180)
        subprocess.run(["rm", "-rf", self.state], check=False)
        return code


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    env = podman_env()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    preflight._image()  # the busybox image a task runs, in podman's storage
    running = Engine("--pace", "aws", "--pace-scale", str(SCALE), env=env)
    try:
        yield running
    finally:
        assert running.stop() == 0
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def get(port: int) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def test_a_stack_with_a_load_balancer_takes_its_modeled_time(engine: Engine) -> None:
    cfn, elb, cw = engine.client("cloudformation"), engine.client("elbv2"), engine.client("cloudwatch")
    base, alb = FIGURES["cfn:default"].seconds * SCALE, FIGURES[f"cfn:create:{ALB}"].seconds * SCALE
    expected = 2 * base + alb  # subnets and group, then the load balancer until active
    began = time.monotonic()
    stack_id = cfn.create_stack(StackName="pace", TemplateBody=json.dumps(template()))["StackId"]

    seen: list[tuple[float, str]] = []
    port = None
    while True:
        stack = cfn.describe_stacks(StackName="pace")["Stacks"][0]
        now = time.monotonic() - began
        seen.append((now, stack["StackStatus"]))
        resources = {r["LogicalResourceId"]: r["ResourceStatus"]
                     for r in cfn.describe_stack_resources(StackName="pace")["StackResources"]}
        if stack["StackStatus"] != "CREATE_IN_PROGRESS":
            break
        assert "Outputs" not in stack  # no outputs before CREATE_COMPLETE
        if now < base * 0.8:
            assert set(resources) <= {"Vpc"}  # the subnets wait for the VPC
        lbs = elb.describe_load_balancers()["LoadBalancers"]
        if lbs and now < expected - 1.0:
            assert lbs[0]["State"]["Code"] == "provisioning"
            port = int(lbs[0]["DNSName"].rsplit(":", 1)[1])
            assert refused(port)  # no node answers before the load balancer is active
            if resources.get("Alb"):
                assert resources["Alb"] == "CREATE_IN_PROGRESS"
        time.sleep(0.2)
    took = time.monotonic() - began
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # Not before its time; the upper bound only allows for polling on a busy machine.
    assert expected - 0.3 <= took <= expected + 6, (took, expected)
    assert port is not None and seen[0][1] == "CREATE_IN_PROGRESS"
    assert set(resources.values()) == {"CREATE_COMPLETE"} and len(resources) == 7
    assert stack["Outputs"][0]["OutputValue"].endswith(f":{port}")
    lb = elb.describe_load_balancers()["LoadBalancers"][0]
    assert lb["State"]["Code"] == "active"
    assert get(port) == (200, b"ok")

    # The events, in CloudFormation's order: each resource done after what it needs.
    events = cfn.describe_stack_events(StackName="pace")["StackEvents"][::-1]
    done = {e["LogicalResourceId"]: e["Timestamp"] for e in events if e["ResourceStatus"] == "CREATE_COMPLETE"}
    assert done["Vpc"] < done["SubnetA"] < done["Listener"] < done["Alb"] < done["pace"]
    configured = [e for e in events if e.get("DetailedStatus") == "CONFIGURATION_COMPLETE"]
    assert [e["LogicalResourceId"] for e in configured] == ["Alb"]
    assert (done["Alb"] - done["Vpc"]).total_seconds() == pytest.approx(base + alb, abs=0.01)
    assert events[0]["ResourceStatus"] == "CREATE_IN_PROGRESS" and events[0]["ResourceStatusReason"] == "User Initiated"

    # CloudWatch: the load balancer's datapoint of the request above arrives late.
    suffix = lb["LoadBalancerArn"].split(":loadbalancer/")[1]
    delay = FIGURES["cloudwatch:delay"].seconds * SCALE
    answered = time.monotonic()

    def counted() -> float:
        end = datetime.now(timezone.utc) + timedelta(seconds=5)
        points = cw.get_metric_statistics(
            Namespace="AWS/ApplicationELB", MetricName="RequestCount",
            Dimensions=[{"Name": "LoadBalancer", "Value": suffix}],
            StartTime=end - timedelta(minutes=5), EndTime=end, Period=60,
            Statistics=["Sum"])["Datapoints"]
        return sum(p["Sum"] for p in points)

    assert counted() == 0
    while counted() == 0:
        assert time.monotonic() - answered < delay + 8
        time.sleep(0.2)
    assert time.monotonic() - answered >= delay - 1.0  # the datapoint's second, rounded down
    assert counted() == 1

    # Updating the target group in place: UPDATE_IN_PROGRESS for its update only, and no
    # second update meanwhile (AWS refuses it).
    changed = template()
    changed["Resources"]["Group"]["Properties"]["HealthCheckIntervalSeconds"] = 10
    began = time.monotonic()
    cfn.update_stack(StackName="pace", TemplateBody=json.dumps(changed))
    assert cfn.describe_stacks(StackName="pace")["Stacks"][0]["StackStatus"] == "UPDATE_IN_PROGRESS"
    with pytest.raises(cfn.exceptions.ClientError, match="UPDATE_IN_PROGRESS state and can not be updated"):
        cfn.update_stack(StackName="pace", TemplateBody=json.dumps(template()))
    while cfn.describe_stacks(StackName="pace")["Stacks"][0]["StackStatus"] == "UPDATE_IN_PROGRESS":
        time.sleep(0.05)
    assert base - 0.1 <= time.monotonic() - began <= base + 6
    assert cfn.describe_stacks(StackName="pace")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    updated = [(e["LogicalResourceId"], e["ResourceStatus"]) for e in
               cfn.describe_stack_events(StackName="pace")["StackEvents"] if "UPDATE" in e["ResourceStatus"]]
    assert updated == [("pace", "UPDATE_COMPLETE"), ("Group", "UPDATE_COMPLETE"),
                       ("Group", "UPDATE_IN_PROGRESS"), ("pace", "UPDATE_IN_PROGRESS")]

    # Deleting: DELETE_IN_PROGRESS, still found by name, then gone.
    gone_after = 4 * base  # listener, then load balancer and group, then subnets and group, then VPC
    began = time.monotonic()
    cfn.delete_stack(StackName="pace")
    assert cfn.describe_stacks(StackName="pace")["Stacks"][0]["StackStatus"] == "DELETE_IN_PROGRESS"
    while True:
        try:
            status = cfn.describe_stacks(StackName="pace")["Stacks"][0]["StackStatus"]
        except cfn.exceptions.ClientError as exc:
            assert "does not exist" in str(exc)
            break
        assert status == "DELETE_IN_PROGRESS"
        time.sleep(0.1)
    assert gone_after - 0.3 <= time.monotonic() - began <= gone_after + 6
    final = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
    assert final["StackStatus"] == "DELETE_COMPLETE"


def test_a_task_is_provisioning_then_pending_for_its_modeled_times(engine: Engine) -> None:
    ec2, ecs = engine.client("ec2"), engine.client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    # moto names a task's network interface only in a VPC with DNS host names (as the lab's).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="pace-task", Description="task", VpcId=vpc)["GroupId"]
    # The image in the engine's registry, as a lab's are (ECR): its size is the registry's.
    image = f"{engine.registry}/pace:1"
    podman.run(["push", "--quiet", "--tls-verify=false", preflight.IMAGE, image], timeout=120)
    ecs.create_cluster(clusterName="pace")
    ecs.register_task_definition(
        family="pace", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", containerDefinitions=[{
            "name": "main", "image": image, "essential": True, "memory": 512,
            "command": ["/bin/busybox", "sleep", "60"]}])
    task = ecs.run_task(cluster="pace", taskDefinition="pace", launchType="FARGATE", networkConfiguration={
        "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group],
                                "assignPublicIp": "DISABLED"}})["tasks"][0]
    arn = task["taskArn"]
    statuses = []
    # The modelled phases are asserted on the task's own timestamps below; the wait only
    # bounds a container start, which a busy machine (a whole test run) makes slow.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        task = ecs.describe_tasks(cluster="pace", tasks=[arn])["tasks"][0]
        if not statuses or statuses[-1] != task["lastStatus"]:
            statuses.append(task["lastStatus"])
        if task["lastStatus"] in ("RUNNING", "STOPPED"):
            break
        time.sleep(0.05)
    assert statuses[0] == "PROVISIONING" and statuses[-1] == "RUNNING", (statuses, task.get("stoppedReason"))
    size = pace_tasks.image_bytes(image, engine.registry)
    assert size > 0
    eni = FIGURES["ecs:eni"].seconds * SCALE
    pull = size / 1e6 * FIGURES["ecs:pull-per-mb"].seconds * SCALE
    attached = (task["connectivityAt"] - task["createdAt"]).total_seconds()
    pulled = (task["pullStoppedAt"] - task["pullStartedAt"]).total_seconds()
    # DescribeTasks times are to the millisecond.
    assert eni - 0.002 <= attached <= eni + 1.0, attached
    assert pull - 0.002 <= pulled <= pull + 1.0, (pulled, pull)
    assert task["pullStartedAt"] >= task["connectivityAt"] and task["startedAt"] >= task["pullStoppedAt"]
    ecs.stop_task(cluster="pace", task=arn)


def test_without_pace_the_engine_is_as_instant_as_before() -> None:
    engine = Engine()
    try:
        cfn, elb = engine.client("cloudformation"), engine.client("elbv2")
        cfn.create_stack(StackName="instant", TemplateBody=json.dumps(template()))
        stack = cfn.describe_stacks(StackName="instant")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        port = int(elb.describe_load_balancers()["LoadBalancers"][0]["DNSName"].rsplit(":", 1)[1])
        assert get(port) == (200, b"ok")
        cfn.delete_stack(StackName="instant")
        with pytest.raises(cfn.exceptions.ClientError):
            cfn.describe_stacks(StackName="instant")
    finally:
        assert engine.stop() == 0
