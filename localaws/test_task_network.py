"""A task's network, with real podman containers started the engine's way (podman.start):
sealed, so that anything but the engine is refused at once and never leaves the task's
namespace (seal.py), and the standard AWS host names answered by the engine for SDKs
that ignore AWS_ENDPOINT_URL (aws_names.py).

Run: .venv/bin/python -m pytest localaws/test_task_network.py -q   (~15 s; the first run
also makes the example apps' base image, ~80 s once)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import pytest

from localaws import aws_names, logs, podman, preflight, seal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGION = "us-east-1"
ENGINE_ID = f"test-network-{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def podman_as_the_engine_runs_it() -> Iterator[None]:
    """podman's settings (scripts/podman-env.sh) and the images: the engine check's
    busybox image and the example apps' Debian base image (python3)."""
    env = subprocess.run(
        ["bash", "-c", "source scripts/podman-env.sh && scripts/base-image.sh >/dev/null && env -0"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode()
    wanted = ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION")
    saved = {k: os.environ.get(k) for k in wanted}
    for pair in env.split("\0"):
        key, _, value = pair.partition("=")
        if key in wanted:
            os.environ[key] = value
    preflight._image()
    yield
    podman.remove_all(ENGINE_ID)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _task(name: str, image: str, command: list[str], env: dict[str, str] | None = None,
          hosts: dict[str, str] | None = None) -> str:
    name = f"mysfits-{name}-{os.getpid()}"
    podman.start(podman.Spec(name=name, image=image, environment=env or {}, ports=[],
                             publish_same=False, hosts=hosts or {}, labels={},
                             command=command), ENGINE_ID)
    return name


def _exec(name: str, *argv: str) -> tuple[float, int, str]:
    """Runs argv in the task; (seconds the command itself took, exit code, output)."""
    done = subprocess.run(["podman", "exec", name, "/bin/busybox", "time", "-f", "took=%e", *argv],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    out = (done.stdout + done.stderr).strip()
    said, _, took = out.rpartition("took=")
    return float(took), done.returncode, said.strip()


def _wait_exit(name: str, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, code = podman.states(ENGINE_ID).get(name, ("gone", None))
        if code is not None or state in ("exited", "stopped"):
            return int(code or 0)
        time.sleep(0.2)
    raise AssertionError(f"{name} still running after {timeout:.0f}s")


def test_a_public_address_is_refused_at_once_and_never_leaves_the_task() -> None:
    name = _task("sealed", preflight.IMAGE, ["/bin/busybox", "sleep", "120"])
    pid = podman.pid(name)
    assert pid is not None
    # The seal is there before anything else is tried (the hook ran before the task did).
    assert seal.loaded(pid)
    before = seal.refused(pid)

    # A public address (TEST-NET-1, RFC 5737): refused in the task's own namespace.
    took, code, said = _exec(name, "/bin/busybox", "nc", "-w", "10", "192.0.2.1", "443")
    assert code != 0 and "Connection refused" in said, said
    assert took < 1.0, f"{took:.2f}s: a timeout, not a refusal"
    after_tcp = seal.refused(pid)
    assert after_tcp == before + 1  # the one SYN, counted by the reject rule that dropped it

    # IPv6 too (2001:db8::/32, RFC 3849).
    took, code, said = _exec(name, "/bin/busybox", "nc", "-w", "10", "2001:db8::1", "443")
    assert code != 0 and "Connection refused" in said and took < 1.0, said

    # A name lookup: the DNS query to slirp4netns's resolver is refused when sent.
    took, code, said = _exec(name, "/bin/busybox", "nslookup", "aws.amazon.com")
    assert code != 0 and "Operation not permitted" in said and took < 1.0, said
    assert seal.refused(pid) > after_tcp + 1

    # The engine is still there: 10.0.2.2 is the host's 127.0.0.1 (a closed port here
    # answers with slirp4netns's own reset, not the seal's).
    counted = seal.refused(pid)
    took, code, said = _exec(name, "/bin/busybox", "nc", "-w", "10", "10.0.2.2", "1")
    assert "Connection refused" in said and took < 1.0, said
    assert seal.refused(pid) == counted
    podman.remove(name)


def test_the_task_log_says_what_the_seal_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.logs.models import logs_backends

    monkeypatch.setattr(seal, "WATCH_S", 0.3)
    backend = logs_backends[DEFAULT_ACCOUNT_ID][REGION]
    backend.create_log_group("sealed", {})
    name = _task("noticed", preflight.IMAGE, ["/bin/busybox", "sh", "-c",
                                              "echo calling out; /bin/busybox nc 192.0.2.1 443; "
                                              "/bin/busybox sleep 60"])
    logs.forward(name, backend, "sealed", "app/app/1", threading.RLock())
    # The loop ends as soon as the lines are there; the bound is for a loaded machine,
    # where the task itself takes many seconds to start.
    deadline, lines = time.monotonic() + 60, []
    while time.monotonic() < deadline:
        events = backend.get_log_events("sealed", None, "app/app/1", None, None, 100, None, True)[0]
        lines = [e["message"] for e in events]
        if len(lines) >= 3:
            break
        time.sleep(0.2)
    # The app's lines and the engine's notice come by two paths (podman logs, the seal's
    # counter): either may be first.
    app = [line for line in lines if not line.startswith("[localaws]")]
    notices = [line for line in lines if line.startswith("[localaws]")]
    assert app == [
        "calling out", "nc: can't connect to remote host (192.0.2.1): Connection refused"], lines
    assert notices == [seal.notice(1, 1)], lines
    assert "refused 1 packet(s) to addresses other than the engine" in notices[0]
    podman.remove(name)


@pytest.fixture()
def aws_front(tmp_path: object) -> Iterator[aws_names.AwsFront]:
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    front = aws_names.AwsFront(str(tmp_path))
    front.start()
    saved = podman.TASKS
    sdk = os.path.dirname(os.path.dirname(boto3.__file__))  # this venv's site-packages
    podman.TASKS = podman.TaskNetwork(https_port=front.port, mounts=[
        (front.ca_path, aws_names.CA_IN_TASK), (sdk, "/opt/sdk")])
    front.moto_port = moto.get_host_and_port()[1]  # type: ignore[attr-defined]
    yield front
    podman.TASKS = saved
    front.stop()
    moto.stop()


OLD_SDK = """
import time
import boto3, botocore
client = boto3.client("dynamodb")
print("endpoint", client.meta.endpoint_url)
started = time.monotonic()
item = client.get_item(TableName="mysfits", Key={"id": {"S": "1"}})["Item"]
print("item", item["name"]["S"])
print("call took %.1f" % (time.monotonic() - started))
"""


def test_an_sdk_that_ignores_aws_endpoint_url_reaches_the_engine(aws_front: aws_names.AwsFront) -> None:
    engine = f"http://127.0.0.1:{aws_front.moto_port}"  # type: ignore[attr-defined]
    kw = dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    ddb = boto3.client("dynamodb", endpoint_url=engine, **kw)
    ddb.create_table(TableName="mysfits", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    ddb.put_item(TableName="mysfits", Item={"id": {"S": "1"}, "name": {"S": "Evelyn"}})

    env = {
        # What the engine gives a task (localaws/__main__.py env_for_tasks) ...
        "AWS_ENDPOINT_URL": f"http://{podman.HOST_LOOPBACK}:{aws_front.moto_port}",  # type: ignore[attr-defined]
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, **aws_names.task_env(),
        # ... to an SDK that does not read AWS_ENDPOINT_URL (boto3 < 1.28): today's
        # boto3, told to ignore it.
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "PYTHONPATH": "/opt/sdk",
    }
    hosts = {name: podman.HOST_LOOPBACK for name in aws_names.hostnames(REGION)}
    name = _task("old-sdk", "localhost/mysfits-base:bookworm", ["python3", "-c", OLD_SDK],
                 env=env, hosts=hosts)
    code = _wait_exit(name)
    said = podman.run(["logs", name], check=False)
    assert code == 0, said
    assert "endpoint https://dynamodb.us-east-1.amazonaws.com" in said  # AWS's own name
    assert "item Evelyn" in said  # answered by the engine, over TLS it trusts
    # The call itself, timed inside the task (the container's start and boto3's import
    # take tens of seconds on a loaded machine): no connect timeout, no retry elsewhere
    # first. botocore waits 60 s for a connection before it gives up.
    took = float(said.rsplit("call took ", 1)[1].split()[0])
    assert took < 20, said
    podman.remove(name)


NOT_AWS = """
import time, urllib.request
started = time.monotonic()
try:
    urllib.request.urlopen("https://registry.npmjs.org/", timeout=20)
except OSError as exc:
    print(f"failed after {time.monotonic() - started:.2f}s: {exc}")
"""


def test_a_name_that_is_not_the_engines_fails_at_once(aws_front: aws_names.AwsFront) -> None:
    name = _task("not-aws", "localhost/mysfits-base:bookworm", ["python3", "-c", NOT_AWS],
                 hosts={n: podman.HOST_LOOPBACK for n in aws_names.hostnames(REGION)})
    assert _wait_exit(name) == 0
    said = podman.run(["logs", name], check=False).strip()
    seconds = float(said.split("failed after ", 1)[1].split("s:", 1)[0])
    assert seconds < 1.0 and "name resolution" in said, said
    podman.remove(name)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
