"""The "production" setup of tests/foreign/production.py, made by boto3 as a platform team
would, against the local engine (the monolith as an ECS service in a podman container,
requests through the load balancer's own ports) and plain moto (EC2 instances, control
plane only); and its snapshot and diff, which the attach tests use to prove that mysfits
left every foreign resource as it was.

Run: .venv/bin/python -m pytest tests/foreign -q   (~60 s; the first run on a machine
also makes the example apps' base image, ~80 s once)
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from foreign_rules import ADMIN_DENIED, ADMIN_HOST, CANARY_BODY, HEALTHZ_BODY  # noqa: E402

PORT_TAG = "localaws:port"  # docs/local-engine.md: every listener's own 127.0.0.1 port


def production(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(HERE / "production.py"), *args], capture_output=True,
                          text=True, timeout=300)
    if check:
        assert done.returncode == 0, f"production.py {args[0]}: exit {done.returncode}\n{done.stderr}"
    return done


def started(argv: list[str], env: dict[str, str], log: Path, lines: int) -> tuple[subprocess.Popen, dict[str, str]]:
    """A server that prints KEY=VALUE lines once it answers, and stops when its stdin closes."""
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=log.open("w"), text=True)
    assert proc.stdout is not None
    said = [proc.stdout.readline().strip() for _ in range(lines)]
    if not all("=" in line for line in said):
        proc.kill()
        raise AssertionError(f"{argv[1:3]} did not start: {said}\n{log.read_text()}")
    return proc, dict(line.split("=", 1) for line in said)


def stop(proc: subprocess.Popen) -> None:
    assert proc.stdin is not None
    proc.stdin.close()  # the harness's pipe: the server cleans up and exits
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def podman_settings() -> dict[str, str]:
    """podman as the engine runs it (scripts/podman-env.sh), with the base image made."""
    out = subprocess.run(["bash", "-c", "source scripts/podman-env.sh && scripts/base-image.sh >/dev/null && env -0"],
                         cwd=ROOT, capture_output=True, check=True).stdout.decode()
    keep = ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION")
    return {k: v for k, _, v in (pair.partition("=") for pair in out.split("\0")) if k in keep}


def monolith_image(podman: dict[str, str], home: Path, registry: str, build_of: str) -> str:
    """The echo app (tests/fixtures/echo-app) as the shop's monolith, in the engine's registry."""
    context = home / "monolith"
    shutil.copytree(ROOT / "tests" / "fixtures" / "echo-app", context)
    # BUILD_OF: this engine's own image (engines side by side must not share a build).
    (context / "app.env").write_text(f"MODE=ok\nVERSION=1\nBUILD_OF={build_of}\n")
    image = f"{registry}/shop/monolith:v1"
    env = {**os.environ, **podman}
    for argv in (["podman", "build", "--quiet", "-t", image, "--build-arg",
                  "BASE_IMAGE=localhost/mysfits-base:bookworm", str(context)],
                 ["podman", "push", "--quiet", "--tls-verify=false", image]):
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(argv[:2])}: {done.stderr}"
    return image


class Setup:
    def __init__(self, endpoint: str, made: dict[str, Any], home: Path) -> None:
        self.endpoint, self.made, self.home = endpoint, made, home
        self.elbv2 = boto3.client("elbv2", endpoint_url=endpoint, region_name="us-east-1",
                                  aws_access_key_id="testing", aws_secret_access_key="testing")
        (home / "made.json").write_text(json.dumps(made))

    def snapshot(self, name: str) -> Path:
        path = self.home / name
        path.write_text(production("snapshot", "--endpoint", self.endpoint, "--load-balancer", "shop",
                                   "--made", str(self.home / "made.json")).stdout)
        return path

    def port(self, listener: str) -> int:
        tags = self.elbv2.describe_tags(ResourceArns=[self.made[listener]])["TagDescriptions"][0]["Tags"]
        return int({t["Key"]: t["Value"] for t in tags}[PORT_TAG])

    def wait_healthy(self, timeout: float = 180) -> None:
        group, deadline, seen = self.made["default_target_group"], time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            seen = self.elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
            if any(t["TargetHealth"]["State"] == "healthy" for t in seen):
                return
            time.sleep(1)
        raise AssertionError(f"the monolith never became healthy: {seen}")


def request(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, str]:
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def on_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = tmp_path_factory.mktemp("production-engine")
    podman = podman_settings()
    engine, said = started([sys.executable, "-m", "localaws", "--state-dir", str(home / "engine")], podman,
                           home / "engine.log", 3)
    try:
        endpoint = f"http://127.0.0.1:{said['MOTO_PORT']}"
        image = monolith_image(podman, home, f"127.0.0.1:{said['REGISTRY_PORT']}", said["ENGINE_ID"])
        made = json.loads(production("make", "--endpoint", endpoint, "--kind", "ecs", "--image", image).stdout)
        setup = Setup(endpoint, made, home)
        setup.wait_healthy()
        yield setup
    finally:
        stop(engine)


def test_the_load_balancer_answers_as_the_setup_is_written(on_engine: Setup) -> None:
    http_port, host = on_engine.port("http_listener"), on_engine.made["dns_host"]

    def get(path: str, **headers: str) -> tuple[int, str]:
        headers.setdefault("Host", f"{host}:{http_port}")
        return request(http.client.HTTPConnection("127.0.0.1", http_port, timeout=30), path, headers)

    # The default action: the monolith's container (its task definition names it).
    status, body = get("/products?page=2")
    assert status == 200 and json.loads(body) == {
        "service": "monolith", "version": "1", "path": "/products?page=2", "method": "GET"}, body
    # A host-header rule (priority 10; the office-only rule at 5 does not take loopback).
    assert get("/", Host=ADMIN_HOST) == (403, ADMIN_DENIED)
    # An http-header rule, with a path condition of its own.
    assert get("/anything", **{"X-Canary": "true"}) == (200, CANARY_BODY)
    assert get("/anything", **{"X-Canary": "false"})[0] == 200  # the monolith again
    assert json.loads(get("/anything", **{"X-Canary": "false"})[1])["service"] == "monolith"
    assert get("/healthz") == (200, HEALTHZ_BODY)
    # A redirect to the HTTPS listener lands on its local port (#{path} loses its "/").
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)
    conn.request("GET", "/old-shop/cart?id=7", headers={"Host": f"{host}:{http_port}"})
    moved = conn.getresponse()
    conn.close()
    https_port = on_engine.port("https_listener")
    assert (moved.status, moved.headers["Location"]) == (301, f"https://{host}:{https_port}/shop/old-shop/cart?id=7")


def test_https_answers_with_the_imported_certificate(on_engine: Setup) -> None:
    acm = boto3.client("acm", endpoint_url=on_engine.endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    pem = acm.get_certificate(CertificateArn=on_engine.made["certificate"])["Certificate"]
    trust = ssl.create_default_context(cadata=pem)  # this certificate only; names checked
    port, host = on_engine.port("https_listener"), on_engine.made["dns_host"]

    def get(path: str, **headers: str) -> tuple[int, str]:
        # By the load balancer's DNS name (*.localhost is loopback), as a client would.
        return request(http.client.HTTPSConnection(host, port, timeout=30, context=trust), path, headers)

    status, body = get("/over-tls")
    assert status == 200 and json.loads(body)["service"] == "monolith", body
    # The HTTPS listener's own host rule forwards to shop-admin, which has no targets.
    assert get("/", Host=ADMIN_HOST)[0] == 503
    with pytest.raises(ssl.SSLCertVerificationError):
        request(http.client.HTTPSConnection(host, port, timeout=30, context=ssl.create_default_context()), "/", {})


def test_snapshots_agree_until_a_rule_moves(on_engine: Setup) -> None:
    first, second = on_engine.snapshot("first.json"), on_engine.snapshot("second.json")
    same = production("diff", str(first), str(second), check=False)
    assert (same.returncode, same.stdout) == (0, "")
    snap = json.loads(first.read_text())
    service = snap["ecs"]["service"]
    assert (service["desiredCount"], service["serviceName"]) == (1, "shop-monolith")
    assert snap["ecs"]["task_definition"]["containerDefinitions"][0]["logConfiguration"]["options"][
        "awslogs-group"] == snap["log_group"]["logGroupName"] == "/shop/monolith"
    assert sorted(snap["target_groups"]) == ["shop-admin", "shop-api", "shop-monolith", "shop-orders"]
    assert {k: len(v["Rules"]) for k, v in snap["listeners"].items()} == {"HTTP:80": 9, "HTTPS:443": 3}
    assert sorted(snap["network"]["security_groups"]) == ["default", "shop-alb", "shop-app"]

    moved = on_engine.made["http_rules"]["tenant-api"]
    on_engine.elbv2.set_rule_priorities(RulePriorities=[{"RuleArn": moved, "Priority": 35}])
    changed = production("diff", str(first), str(on_engine.snapshot("moved.json")), check=False)
    rule_id = moved.rsplit("/", 1)[1]
    assert changed.returncode == 1
    assert [line for line in changed.stdout.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        f'-listeners/HTTP:80/Rules/{rule_id}/Priority = "30"', f'+listeners/HTTP:80/Rules/{rule_id}/Priority = "35"']


@pytest.fixture(scope="module")
def on_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = tmp_path_factory.mktemp("production-moto")
    moto, said = started([sys.executable, str(ROOT / "tests" / "moto" / "launch.py"), "--port", "0"], {},
                         home / "moto.log", 1)
    try:
        endpoint = f"http://127.0.0.1:{said['MOTO_PORT']}"
        made = json.loads(production("make", "--endpoint", endpoint, "--kind", "instances").stdout)
        yield Setup(endpoint, made, home)
    finally:
        stop(moto)


def test_instances_setup_snapshots_on_plain_moto(on_moto: Setup) -> None:
    first, second = on_moto.snapshot("first.json"), on_moto.snapshot("second.json")
    assert production("diff", str(first), str(second), check=False).returncode == 0
    snap = json.loads(first.read_text())
    monolith = snap["target_groups"]["shop-monolith"]
    assert monolith["TargetType"] == "instance"
    assert sorted(t["Id"] for t in monolith["Targets"]) == sorted(on_moto.made["instances"])
    assert sorted(snap["network"]["instances"]) == sorted(on_moto.made["instances"])
    assert (snap["ecs"], snap["log_group"]) == (None, None)
    rules = snap["listeners"]["HTTP:80"]["Rules"]
    assert sorted(r["Priority"] for r in rules.values()) == sorted(
        ["5", "10", "20", "30", "40", "50", "60", "70", "default"], key=str)
    fields = {c["Field"] for r in rules.values() for c in r["Conditions"]}
    assert fields == {"host-header", "http-header", "http-request-method", "path-pattern", "query-string",
                      "source-ip"}
    # Nothing carries mysfits' tags (crates/lab/src/names.rs): the setup is foreign.
    assert "mysfits:" not in first.read_text()
